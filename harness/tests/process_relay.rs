//! The relay under test as a process: the `token-relay` binary beside
//! `reference-broker` (or any `--relay` command), over real HTTP on
//! 127.0.0.1, its consumers the reference `RelayClient`, its outage a
//! SIGKILL and restart over its store. The reference passes; relays that
//! break the contract (`support/relay_flaw_proxy.py`) fail, each on its
//! invariant; a `cmd:` broker without a relay is unknown, never a pass.

mod support;

use harness::broker::ProcessBroker;
use harness::choice::BrokerChoice;
use harness::run::{RunOutcome, RunRecord, Verdict, run_scenario};
use harness::scenario::parse_scenario;
use std::path::PathBuf;
use std::sync::Arc;

/// The library's relay scenario in small: three roles, a relay outage over
/// the first renewal, a revocation; two callers per consumer, so a run
/// takes about a second.
const RELAY: &str = r#"
name = "relay-process-small"
description = "three relay roles every 10m for 2h10m: relay down 55m-1h03m, alice revoked at 1h30m"
seed = 17022
duration = "2h10m"

[provider]
accounts = ["alice@example.com"]

[broker]
scopes = ["https://www.googleapis.com/auth/gmail.readonly", "https://www.googleapis.com/auth/gmail.send"]

[[service_accounts]]
account = "robot"
scopes = ["https://www.googleapis.com/auth/gmail.readonly", "https://www.googleapis.com/auth/gmail.send"]

[relay]
alert_after = 3
roles = [
    { name = "reader", account = "alice@example.com", scopes = ["https://www.googleapis.com/auth/gmail.readonly"] },
    { name = "sender", account = "alice@example.com", scopes = ["https://www.googleapis.com/auth/gmail.send"] },
    { name = "robot-reader", account = "robot", scopes = ["https://www.googleapis.com/auth/gmail.readonly"] },
]
consumers = [
    { id = "sync-worker", role = "reader" },
    { id = "outbox-worker", role = "sender" },
    { id = "report-worker", role = "robot-reader" },
]

[[timeline]]
at = "0s"
every = "10m"
action.relay_requests = { consumer = "sync-worker", callers = 2, spread = "10s" }

[[timeline]]
at = "0s"
every = "10m"
action.relay_requests = { consumer = "outbox-worker", callers = 2, spread = "10s" }

[[timeline]]
at = "0s"
every = "10m"
action.relay_requests = { consumer = "report-worker", callers = 2, spread = "10s" }

[[timeline]]
at = "55m"
action.relay_outage = { for = "8m" }

[[timeline]]
at = "1h30m"
action.revoke_account = { account = "alice@example.com" }

[invariants]
least_privilege = {}
no_credential_to_consumer = {}
relay_consumers_available = {}
no_token_leak = {}
"#;

/// Runs [`RELAY`]; `None` on a machine without libfaketime (CI has it).
fn run(broker: &BrokerChoice) -> Option<(RunOutcome, RunRecord)> {
    let path = PathBuf::from("relay-process-small.toml");
    let scenario = parse_scenario(RELAY, &path).expect("the scenario parses");
    let (outcome, record) =
        run_scenario(&path, &scenario, broker, None).expect("the run completes");
    if outcome.verdict == Verdict::NotApplicable && std::env::var("CI").as_deref() != Ok("true") {
        eprintln!("skipped: {:?}", outcome.note);
        return None;
    }
    Some((outcome, record))
}

/// `reference-broker` with `relay_flaw_proxy.py FLAW` in front of (or
/// instead of) the real `token-relay` as its relay.
fn flawed_relay(flaw: &str) -> BrokerChoice {
    let proxy = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/relay_flaw_proxy.py");
    let broker =
        ProcessBroker::reference_at(support::reference_broker_binary()).with_relay(format!(
            "python3 '{}' {flaw} '{}'",
            proxy.display(),
            support::token_relay_binary().display()
        ));
    BrokerChoice::custom(Arc::new(broker))
}

fn assert_fails_on(outcome: &RunOutcome, invariant: &str) {
    assert_eq!(outcome.verdict, Verdict::Failed, "{outcome:#?}");
    assert!(outcome.violated(invariant), "{outcome:#?}");
}

#[test]
fn the_token_relay_process_passes_through_a_herd_a_kill_9_and_a_revocation() {
    let Some((outcome, record)) = run(&support::reference_broker()) else {
        return;
    };
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?} {:?}",
        outcome.violations,
        outcome.note
    );
    for invariant in [
        "least_privilege",
        "no_credential_to_consumer",
        "relay_consumers_available",
        "no_token_leak",
    ] {
        let judgement = outcome.judgement(invariant).expect("checked");
        assert!(!judgement.is_unknown(), "{invariant}: {judgement:?}");
    }
    let gateway = &record.gateway;
    // 14 rounds (0s to 2h10m) of three consumers with two callers each.
    assert_eq!(gateway.relay_calls.len(), 84);
    assert!(gateway.relay_calls.iter().any(|call| call.result.is_ok()));
    let outage = gateway.relay_outages.first().expect("an outage");
    assert!(outage.until.is_some(), "the relay came back");
    let during = gateway
        .relay_calls
        .iter()
        .filter(|call| call.started_at >= outage.from && Some(call.started_at) < outage.until)
        .collect::<Vec<_>>();
    assert!(!during.is_empty(), "consumers asked the down relay");
    assert!(
        during.iter().all(|call| call
            .result
            .as_ref()
            .is_err_and(|(_, retryable, _)| *retryable)
            || call.result.is_ok()),
        "{during:#?}"
    );
    let log = String::from_utf8_lossy(&record.broker_log);
    assert!(
        log.contains("the relay process's stderr") && log.contains("token relay listening"),
        "the relay's stderr is in the captured log"
    );
    assert!(
        log.contains("SIGKILL: the harness killed the relay"),
        "the outage killed the relay process"
    );
}

#[test]
fn a_relay_that_hands_consumers_the_refresh_token_fails_no_credential_to_consumer() {
    if let Some((outcome, _)) = run(&flawed_relay("leak-refresh-token")) {
        assert_fails_on(&outcome, "no_credential_to_consumer");
    }
}

#[test]
fn a_relay_that_widens_every_role_fails_least_privilege() {
    if let Some((outcome, _)) = run(&flawed_relay("wide-scopes")) {
        assert_fails_on(&outcome, "least_privilege");
    }
}

#[test]
fn a_relay_that_never_serves_a_token_fails_relay_consumers_available() {
    if let Some((outcome, _)) = run(&flawed_relay("never-serves")) {
        assert_fails_on(&outcome, "relay_consumers_available");
    }
}

/// Processes whose command line holds `text`.
fn running_with(text: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| std::fs::read(entry.path().join("cmdline")).ok())
        .map(|cmdline| String::from_utf8_lossy(&cmdline).replace('\0', " "))
        .filter(|cmdline| cmdline.contains(text))
        .collect()
}

#[test]
fn a_relay_that_logs_consumer_credentials_fails_no_token_leak_and_leaves_no_process() {
    if let Some((outcome, _)) = run(&flawed_relay("logs-credentials")) {
        assert_fails_on(&outcome, "no_token_leak");
        // The proxy and the token-relay it started were one process group:
        // its restart and the end of the run ended both.
        let left = running_with("/logs-credentials-");
        assert!(left.is_empty(), "still running: {left:?}");
    }
}

#[test]
fn a_cmd_broker_without_a_relay_leaves_the_relay_invariants_unknown() {
    let broker = BrokerChoice::custom(Arc::new(ProcessBroker::command(format!(
        "'{}'",
        support::reference_broker_binary().display()
    ))));
    let Some((outcome, record)) = run(&broker) else {
        return;
    };
    assert_eq!(outcome.verdict, Verdict::Unknown, "{outcome:#?}");
    for invariant in ["no_credential_to_consumer", "relay_consumers_available"] {
        let judgement = outcome.judgement(invariant).expect("checked");
        assert!(judgement.is_unknown(), "{invariant}: {judgement:?}");
    }
    assert!(record.gateway.relay_calls.is_empty());
    assert!(
        record
            .skipped_steps
            .iter()
            .any(|step| step.capability == "relay"),
        "{:?}",
        record.skipped_steps
    );
}
