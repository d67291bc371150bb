//! The scenario library against the reference broker: every scenario in
//! process (paused time), and a subset covering every step family against
//! the `reference-broker` process on the process timeline (the whole
//! library against it is run by hand; `.ci/run` says why).

mod support;

use harness::choice::BrokerChoice;
use harness::run::{Verdict, run_scenario};
use harness::scenario::Mode;

#[test]
fn every_sim_scenario_passes_against_the_in_process_reference_broker() {
    let reference = BrokerChoice::parse("reference").expect("known broker");
    let mut ran = 0;
    for (path, scenario) in support::scenarios() {
        if scenario.mode != Mode::Sim {
            continue;
        }
        let (outcome, _) = run_scenario(&path, &scenario, &reference, None).expect("runs");
        assert_eq!(
            outcome.verdict,
            Verdict::Passed,
            "{}: {:#?} {:?}",
            path.display(),
            outcome.violations,
            outcome.note
        );
        ran += 1;
    }
    assert!(ran >= 15, "the library has {ran} sim scenarios");
}

/// The part of the library `cargo test` runs against the reference-broker
/// process: every step family, a fleet on a shared `file:` store, a fleet
/// on a bucket (the S3 server on the run's timeline, and a component whose
/// clock is behind placed by the bucket's `Date`), the real-store scenarios.
const PROCESS_SUBSET: &[&str] = &[
    "token-basics.toml",
    "thundering-herd.toml",
    "kill-9-restart.toml",
    "revoked-mid-run.toml",
    "broker-clock-jumps-back.toml",
    "access-token-invalidated-early.toml",
    "token-endpoint-503-retry-after.toml",
    "gmail-refresh-token-revoked-mid-sync.toml",
    "sign-in-forged-id-tokens.toml",
    "two-workers-one-token-file.toml",
    "bucket-seed-delayed-clock.toml",
    "real-tokens-at-rest-sqlite.toml",
    "real-gmail-kill-9-with-sqlite-store.toml",
    // A restart while the store is down: the process must still start
    // (its mailbox opens on first use).
    "regressions/refusal-unreadable-after-restart-with-store-down.toml",
];

#[test]
fn the_library_passes_against_the_reference_broker_process_on_the_process_timeline() {
    let broker = support::reference_broker();
    let mut ran = 0;
    for file in PROCESS_SUBSET {
        let (outcome, record) = support::run_file(file, &broker);
        if outcome.verdict == Verdict::NotApplicable && std::env::var("CI").as_deref() != Ok("true")
        {
            // A machine without libfaketime or PostgreSQL (CI has both).
            eprintln!("skipped {file}: {:?}", outcome.note);
            continue;
        }
        assert_eq!(
            outcome.verdict,
            Verdict::Passed,
            "{file}: {:#?} {:?}",
            outcome.violations,
            outcome.note
        );
        assert_eq!(outcome.mode, "real", "{file} ran on the process timeline");
        assert!(
            !record.broker_log.is_empty(),
            "the process's stderr was captured"
        );
        ran += 1;
    }
    assert!(ran >= 2, "ran {ran} scenarios against the process");
}

#[test]
fn a_sim_scenario_runs_against_a_process_with_hour_long_tokens_and_real_latency() {
    // thundering-herd: 3599 s tokens, a 150 ms token endpoint, 3 hours.
    let (outcome, record) = support::run_file("thundering-herd.toml", &support::reference_broker());
    if outcome.verdict == Verdict::NotApplicable && std::env::var("CI").as_deref() != Ok("true") {
        eprintln!("skipped: {:?}", outcome.note);
        return;
    }
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
    let refreshes: Vec<_> = record.journal.iter().filter(|e| e.is_refresh()).collect();
    // One token per hour of the run, each living 3599 s at the provider.
    assert_eq!(refreshes.len(), 4, "{refreshes:#?}");
    for refresh in &refreshes {
        let issued = refresh.issued.as_ref().expect("a token was issued");
        let lifetime = issued
            .expires_at
            .duration_since(issued.issued_at)
            .expect("expiry after issue");
        assert_eq!(lifetime.as_secs(), 3599);
        // The provider's delay is a delay: 150 ms, not stretched by a jump.
        let in_flight = refresh
            .finished_at
            .duration_since(refresh.started_at)
            .expect("finished after start");
        assert!(
            in_flight >= std::time::Duration::from_millis(150)
                && in_flight < std::time::Duration::from_secs(2),
            "{in_flight:?}"
        );
    }
    let ran = record
        .ended_at
        .expect("ended")
        .duration_since(record.started_at.expect("started"))
        .expect("ordered");
    assert!(
        ran >= std::time::Duration::from_secs(3 * 3600),
        "{ran:?} of provider time"
    );
}

#[test]
fn a_broker_without_status_loses_only_the_invariants_that_need_it() {
    // python-minimal without `status` on a revocation: outage_surfaced is
    // unknown (never passed), and retry discipline (no refresh after
    // invalid_grant) and availability are still judged.
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/without_status.py"
    );
    let broker = harness::choice::BrokerChoice::custom(std::sync::Arc::new(
        harness::broker::ProcessBroker::command(format!(
            "env FAKETIME_DONT_FAKE_MONOTONIC=0 python3 {script}"
        )),
    ));
    let (outcome, _) = support::run_file("revoked-mid-run.toml", &broker);
    assert_eq!(outcome.verdict, Verdict::Unknown, "{outcome:#?}");
    let outage = outcome.judgement("outage_surfaced").expect("checked");
    assert!(
        outage.reason().is_some_and(|r| r.contains("`status`")),
        "{outage:?}"
    );
    for judged in [
        "retry_discipline",
        "availability",
        "proactive_refresh",
        "single_flight_refresh",
    ] {
        assert!(
            outcome.judgement(judged).is_some_and(|j| j.passed()),
            "{judged}: {:?}",
            outcome.judgement(judged)
        );
    }
    assert!(
        outcome
            .skipped_steps
            .iter()
            .any(|s| s.kind == "status_poll" && s.capability == "status")
    );
}

#[test]
fn every_step_kind_replays_to_the_same_journal_hash() {
    let reference = BrokerChoice::parse("reference").expect("known broker");
    // Faults, pauses, clock jumps, revocations, restarts and status polls.
    for file in [
        "flapping-5xx-across-expiry.toml",
        "stalled-scheduler.toml",
        "laptop-sleep-2h-jump.toml",
        "revoked-mid-run.toml",
        "kill-9-restart.toml",
        "quiet-day-status.toml",
    ] {
        let (first, _) = support::run_file(file, &reference);
        let (second, _) = support::run_file(file, &reference);
        assert_eq!(first.journal_hash, second.journal_hash, "{file}");
    }
}

#[test]
fn a_restarted_in_process_broker_serves_from_its_store_without_refreshing() {
    let reference = BrokerChoice::parse("reference").expect("known broker");
    let (outcome, record) = support::run_file("kill-9-restart.toml", &reference);
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
    assert_eq!(
        record
            .history
            .timeline()
            .filter(|e| e.kind == "restart")
            .count(),
        2
    );
    // One refresh per hour of the 3-hour run: the restarts cost nothing.
    let refreshes = record.journal.iter().filter(|e| e.is_refresh()).count();
    assert_eq!(refreshes, 4, "{:#?}", record.journal);
}

#[test]
fn a_fleet_sharing_a_store_refreshes_once_per_expiry_and_one_with_a_store_each_once_per_instance() {
    let reference = BrokerChoice::parse("reference").expect("known broker");
    let path = support::library().join("fleet-of-three-shared-store.toml");
    let shared = harness::scenario::load_file(&path).expect("loads");
    let (outcome, record) = run_scenario(&path, &shared, &reference, None).expect("runs");
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
    assert_eq!(record.journal.iter().filter(|e| e.is_refresh()).count(), 4);
    // A store each: every instance consents on its own and refreshes its
    // own grant once per expiry, judged per instance.
    let mut separate = shared.clone();
    separate.broker.store = "memory".to_owned();
    let (outcome, record) = run_scenario(&path, &separate, &reference, None).expect("runs");
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
    assert_eq!(record.own_grants.len(), 3, "{:?}", record.own_grants);
    for (instance, grant) in &record.own_grants {
        let refreshes = record
            .journal
            .iter()
            .filter(|e| e.is_refresh() && e.grant_id.as_ref() == Some(grant))
            .count();
        assert_eq!(refreshes, 4, "instance {instance}'s grant {grant}");
    }
    // An instance that does not single-flight its own callers is caught,
    // and named.
    let mutant = BrokerChoice::parse("mutant:no-single-flight").expect("known mutant");
    let (outcome, _) = run_scenario(&path, &separate, &mutant, None).expect("runs");
    assert!(
        outcome
            .violations
            .iter()
            .any(|v| v.invariant == "single_flight_refresh"
                && v.message.starts_with("per instance: instance ")),
        "{:#?}",
        outcome.violations
    );
}

/// Three processes, callers on each around the first expiry.
const PROCESS_FLEET: &str = r#"
name = "process-fleet"
seed = 31
duration = "1h10m"

[broker]
instances = 3
store = "STORE"

[[timeline]]
at = "0s"
action.token_requests = { account = "alice@example.com", callers = 5, instance = 0 }

[[timeline]]
at = "1m"
action.token_requests = { account = "alice@example.com", callers = 5, instance = 1 }

[[timeline]]
at = "2m"
action.token_requests = { account = "alice@example.com", callers = 5, instance = 2 }

[[timeline]]
at = "58m"
every = "1m"
action.token_requests = { account = "alice@example.com", callers = 3, spread = "20s", instance = 0 }

[[timeline]]
at = "58m20s"
every = "1m"
action.token_requests = { account = "alice@example.com", callers = 3, spread = "20s", instance = 1 }

[[timeline]]
at = "58m40s"
every = "1m"
action.token_requests = { account = "alice@example.com", callers = 3, spread = "20s", instance = 2 }

[invariants]
single_flight_refresh = {}
proactive_refresh = { margin = "60s" }
"#;

#[test]
fn a_process_fleet_on_a_shared_file_store_refreshes_once_per_expiry_and_one_with_a_store_each_does_not()
 {
    let broker = support::reference_broker();
    let run = |store: &str| {
        let text = PROCESS_FLEET.replace("STORE", store);
        let scenario =
            harness::scenario::parse_scenario(&text, "process-fleet.toml").expect("parses");
        run_scenario(
            std::path::Path::new("process-fleet.toml"),
            &scenario,
            &broker,
            None,
        )
        .expect("runs")
    };
    let (shared, record) = run("shared-memory");
    if shared.verdict == Verdict::NotApplicable && std::env::var("CI").as_deref() != Ok("true") {
        eprintln!("skipped: {:?}", shared.note);
        return;
    }
    assert_eq!(shared.verdict, Verdict::Passed, "{:#?}", shared.violations);
    let fleet = shared.fleet.clone().unwrap_or_default();
    assert!(fleet.contains("sharing one `file:` store"), "{fleet}");
    // One token at the start, one at the expiry: the fleet shares them.
    assert_eq!(record.journal.iter().filter(|e| e.is_refresh()).count(), 2);
    let (separate, record) = run("memory");
    let fleet = separate.fleet.clone().unwrap_or_default();
    assert!(fleet.contains("a `memory` store each"), "{fleet}");
    assert!(
        record.journal.iter().filter(|e| e.is_refresh()).count() >= 4,
        "three stores, a token each: {:#?}",
        record.journal
    );
}
