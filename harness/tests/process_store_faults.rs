//! Store faults reach broker processes by real mechanisms
//! (`broker/process/store_faults.rs`): the 29-hour read-only-mount outage
//! (`store-read-only-after-refresh`) against the reference-broker process
//! and google-auth behind its adapter, a silent variant caught, and a
//! SQLite store made full and read-only through libfiu.

mod support;

use harness::broker::ProcessBroker;
use harness::choice::BrokerChoice;
use harness::run::{RunOutcome, Verdict, run_scenario};
use harness::scenario::parse_scenario;
use std::sync::Arc;

fn ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

fn google_auth(script: &str) -> Option<BrokerChoice> {
    let installed = std::process::Command::new("python3")
        .args(["-c", "import google.oauth2.credentials"])
        .status()
        .is_ok_and(|status| status.success());
    if !installed {
        assert!(
            !ci(),
            "google-auth is installed on CI (scripts/install-test-deps.sh)"
        );
        eprintln!("skipped: google-auth is not installed");
        return None;
    }
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(script);
    Some(BrokerChoice::custom(Arc::new(ProcessBroker::command(
        format!(
            "env FAKETIME_DONT_FAKE_MONOTONIC=0 python3 '{}'",
            script.display()
        ),
    ))))
}

/// The run applied its store fault (the step was not skipped) and judged
/// `outage_surfaced` and `availability`.
fn assert_store_fault_ran(outcome: &RunOutcome) {
    assert!(
        !outcome
            .skipped_steps
            .iter()
            .any(|s| s.capability == "store_faults"),
        "{:?}",
        outcome.skipped_steps
    );
    assert_eq!(outcome.mode, "real");
    assert!(
        outcome
            .judgement("availability")
            .is_some_and(|j| j.passed()),
        "{:?}",
        outcome.judgement("availability")
    );
}

#[test]
fn the_read_only_mount_outage_is_surfaced_by_the_reference_broker_process() {
    let (outcome, record) = support::run_file(
        "store-read-only-after-refresh.toml",
        &support::reference_broker(),
    );
    assert_store_fault_ran(&outcome);
    assert!(
        outcome
            .judgement("outage_surfaced")
            .is_some_and(|j| j.passed()),
        "{outcome:#?}"
    );
    let log = String::from_utf8_lossy(&record.broker_log);
    assert!(
        log.contains("Permission denied"),
        "the store refused writes"
    );
    assert!(
        log.contains("persisted=false"),
        "a refresh went unpersisted"
    );
}

#[test]
fn the_read_only_mount_outage_against_google_auth_is_surfaced_and_a_silent_copy_is_caught() {
    let Some(honest) = google_auth("../examples/adapters/python-google-auth/broker.py") else {
        return;
    };
    let (outcome, record) = support::run_file("store-read-only-after-refresh.toml", &honest);
    assert_store_fault_ran(&outcome);
    assert!(
        outcome
            .judgement("outage_surfaced")
            .is_some_and(|j| j.passed()),
        "{outcome:#?}"
    );
    assert!(
        String::from_utf8_lossy(&record.broker_log).contains("PermissionError"),
        "the adapter's write was refused"
    );
    let silent = google_auth("tests/support/silent_store_google_auth.py").expect("installed");
    let (outcome, _) = support::run_file("store-read-only-after-refresh.toml", &silent);
    assert_store_fault_ran(&outcome);
    assert_eq!(outcome.verdict, Verdict::Failed, "{outcome:#?}");
    assert!(
        outcome
            .judgement("outage_surfaced")
            .is_some_and(|j| j.failed()),
        "{:?}",
        outcome.judgement("outage_surfaced")
    );
}

/// `store-write-fails-after-refresh` and `store-read-only-after-refresh`
/// on a SQLite store: libfiu fails the broker's `pwrite`s with ENOSPC and
/// EROFS, and the reference broker serves from memory, saying why.
#[test]
fn a_sqlite_store_fills_up_and_turns_read_only_through_libfiu() {
    if harness::broker::libfiu().is_none() {
        assert!(!ci(), "libfiu is installed on CI (scripts/install-fiu.sh)");
        eprintln!("skipped: {}", harness::broker::MISSING_LIBFIU);
        return;
    }
    for (file, said) in [
        (
            "store-write-fails-after-refresh.toml",
            "database or disk is full",
        ),
        (
            "store-read-only-after-refresh.toml",
            "could not persist the grant",
        ),
    ] {
        let text = std::fs::read_to_string(support::library().join(file)).expect("readable");
        let text = text.replacen("\nseed = ", "\nmode = \"real\"\nseed = ", 1)
            + "\n[broker]\nstore = \"sqlite\"\n";
        let scenario = parse_scenario(&text, file).expect("parses");
        let (outcome, record) = run_scenario(
            std::path::Path::new(file),
            &scenario,
            &support::reference_broker(),
            None,
        )
        .expect("runs");
        assert_store_fault_ran(&outcome);
        let log = String::from_utf8_lossy(&record.broker_log);
        assert!(log.contains(said), "{file}: the broker said {said:?}");
        assert!(log.contains("persisted=false"), "{file}");
        assert!(
            outcome
                .judgement("single_flight_refresh")
                .is_some_and(|j| j.passed()),
            "{file}: {outcome:#?}"
        );
    }
}

/// `real-postgres-read-only-then-down` against two reference-broker
/// processes: the run's own cluster turns read-only
/// (`default_transaction_read_only`: the broker's writes get SQLSTATE
/// 25006, which it reads as read-only) and then stops and starts again; the brokers serve throughout
/// and the one never restarted opens a new session once the server is back.
#[test]
fn a_postgres_store_turns_read_only_then_goes_down_under_reference_broker_processes() {
    let (outcome, record) = support::run_file(
        "real-postgres-read-only-then-down.toml",
        &support::reference_broker(),
    );
    if outcome.verdict == Verdict::NotApplicable {
        assert!(!ci(), "PostgreSQL is installed on CI: {outcome:#?}");
        eprintln!("skipped: no PostgreSQL here");
        return;
    }
    assert_store_fault_ran(&outcome);
    assert_eq!(outcome.verdict, Verdict::Passed, "{outcome:#?}");
    let log = String::from_utf8_lossy(&record.broker_log);
    assert!(
        log.contains("postgres token store refuses writes")
            && log.contains("token store is read-only"),
        "the server refused a write as read-only"
    );
    assert!(
        log.contains("postgres token store reconnected"),
        "a broker opened a new session after the restart"
    );
}
