//! Three broker processes sharing PostgreSQL (`store = "postgres"` in real
//! mode): the harness provides the database, one keyring for the fleet, and
//! the cross-process lease keeps refreshes single-flight; separate stores
//! do not.
//!
//! Without PostgreSQL these tests skip (saying so), except under `CI=true`.

mod support;

use harness::run::{Verdict, run_scenario};
use harness::scenario::{Scenario, load_file};
use std::path::PathBuf;

const FLEET: &str = "real-fleet-three-processes-postgres.toml";

fn fleet() -> (PathBuf, Scenario) {
    let path = support::library().join(FLEET);
    let scenario = load_file(&path).expect("the fleet scenario loads");
    (path, scenario)
}

/// True when the run could not get a PostgreSQL and the test should skip.
fn skipped(outcome: &harness::run::RunOutcome) -> bool {
    if outcome.verdict != Verdict::NotApplicable {
        return false;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true must fail, not skip: {:?}",
        outcome.note
    );
    eprintln!("skipping: {:?}", outcome.note);
    true
}

#[test]
fn three_reference_broker_processes_on_one_postgres_refresh_once_per_expiry() {
    let (path, scenario) = fleet();
    let (outcome, record) =
        run_scenario(&path, &scenario, &support::reference_broker(), None).expect("runs");
    if skipped(&outcome) {
        return;
    }
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
    // The schema's rows were read raw for the leak scan, and hold no
    // plaintext secret (the verdict above passed `no_token_leak`).
    let tables: Vec<&str> = record
        .store_bytes
        .iter()
        .filter(|(label, bytes)| label.starts_with("table ") && !bytes.is_empty())
        .map(|(label, _)| label.as_str())
        .collect();
    assert!(
        tables.iter().any(|t| t.ends_with("after the run")),
        "{:?}",
        record
            .store_bytes
            .iter()
            .map(|(l, _)| l)
            .collect::<Vec<_>>()
    );
    for instance in 0..3 {
        assert!(
            record
                .history
                .served()
                .any(|served| served.instance == instance && served.result.is_ok()),
            "instance {instance} served tokens"
        );
    }
}

#[test]
fn the_same_fleet_with_a_store_per_process_refreshes_once_per_process_judged_per_instance() {
    let (path, mut scenario) = fleet();
    scenario.broker.store = "memory".to_owned();
    let (outcome, record) =
        run_scenario(&path, &scenario, &support::reference_broker(), None).expect("runs");
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
    assert!(
        outcome
            .fleet
            .as_deref()
            .is_some_and(|f| f.contains("judged per instance")),
        "{:?}",
        outcome.fleet
    );
    // Three grants, each refreshed by its own process.
    let grants: std::collections::BTreeSet<_> = record
        .journal
        .iter()
        .filter(|e| e.is_refresh())
        .filter_map(|e| e.grant_id.clone())
        .collect();
    assert_eq!(grants.len(), 3, "{grants:?}");
}

#[test]
fn the_in_process_reference_fleet_uses_the_postgres_store_too() {
    let (path, scenario) = fleet();
    let reference = harness::choice::BrokerChoice::parse("reference").expect("known broker");
    let (outcome, record) = run_scenario(&path, &scenario, &reference, None).expect("runs");
    if skipped(&outcome) {
        return;
    }
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
    // One version sequence for the whole fleet: every instance wrote to the
    // one PostgreSQL table (separate stores would each start at version 1).
    let mut versions: Vec<u64> = record
        .auth
        .store_writes
        .iter()
        .map(|write| write.version)
        .collect();
    assert!(!versions.is_empty(), "writes were recorded");
    let written = versions.len();
    versions.sort_unstable();
    versions.dedup();
    assert_eq!(versions.len(), written, "no version written twice");
}

#[test]
fn a_fleet_of_processes_can_share_a_sqlite_file_the_harness_provides() {
    let (path, mut scenario) = fleet();
    scenario.broker.store = "sqlite".to_owned();
    let (outcome, _) =
        run_scenario(&path, &scenario, &support::reference_broker(), None).expect("runs");
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
}

#[test]
fn a_sim_scenario_asking_for_postgres_is_rejected_naming_the_field() {
    let text = r#"
name = "sim-postgres"
duration = "1h"

[broker]
store = "postgres"

[[timeline]]
at = "0s"
action.token_requests = { account = "alice@example.com", callers = 3 }
"#;
    let message = harness::scenario::parse_scenario(text, "s.toml")
        .unwrap_err()
        .to_string();
    assert!(message.contains("broker.store"), "{message}");
    assert!(message.contains("mode = \"real\""), "{message}");
}

/// Runs the CLI on the fleet scenario (in-process reference) with
/// `DATABASE_URL` pointing at a port nothing listens on.
fn run_with_unreachable_database(ci: bool) -> (Option<i32>, serde_json::Value) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_oauth-chaos"));
    command
        .args(["run", "--broker", "reference", "--format", "json"])
        .arg(support::library().join(FLEET))
        .env("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/postgres")
        .env_remove("CI");
    if ci {
        command.env("CI", "true");
    }
    let output = command.output().expect("oauth-chaos runs");
    let report = serde_json::from_slice(&output.stdout).expect("a json report");
    (output.status.code(), report)
}

#[test]
fn without_a_reachable_postgres_the_fleet_is_not_applicable_and_says_why() {
    let (code, report) = run_with_unreachable_database(false);
    let outcome = &report["outcomes"][0];
    assert_eq!(outcome["verdict"], "not_applicable", "{report}");
    assert!(
        outcome["note"]
            .as_str()
            .is_some_and(|note| note.contains("PostgreSQL")),
        "{report}"
    );
    assert_eq!(code, Some(0));
}

#[test]
fn under_ci_a_missing_postgres_fails_the_fleet_instead_of_skipping_it() {
    let (code, report) = run_with_unreachable_database(true);
    assert_eq!(report["outcomes"][0]["verdict"], "failed", "{report}");
    assert_eq!(code, Some(1));
}
