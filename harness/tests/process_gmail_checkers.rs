//! The email checkers against process brokers over the protocol: the
//! `real-gmail-*` scenarios really exercise what they claim (a SIGKILL over
//! SQLite resumes from history, a revocation cuts a sync off), and a
//! process broker that loses or duplicates mail, or answers mail calls with
//! garbage, fails the run.

mod support;

use harness::broker::{FailureKind, ProcessBroker};
use harness::choice::BrokerChoice;
use harness::run::{Verdict, run_scenario};
use mock_provider::Endpoint;
use std::path::PathBuf;
use std::sync::Arc;

/// The reference broker behind `mail_flaw_proxy.py FLAW`.
fn flawed_reference_broker(flaw: &str) -> BrokerChoice {
    let proxy = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/mail_flaw_proxy.py");
    BrokerChoice::custom(Arc::new(ProcessBroker::command(format!(
        "python3 '{}' {flaw} '{}'",
        proxy.display(),
        support::reference_broker_binary().display()
    ))))
}

#[test]
fn a_process_broker_that_stores_a_message_twice_is_caught_by_no_duplicate_email() {
    let (outcome, _) = support::run_file(
        "gmail-sync-and-send-short-tokens.toml",
        &flawed_reference_broker("duplicate"),
    );
    assert_eq!(outcome.verdict, Verdict::Failed, "{outcome:?}");
    assert!(
        outcome.violated("no_duplicate_email"),
        "{:#?}",
        outcome.violations
    );
    assert!(
        !outcome.violated("no_lost_email"),
        "{:#?}",
        outcome.violations
    );
}

#[test]
fn a_process_broker_that_misses_a_message_is_caught_by_no_lost_email() {
    let (outcome, _) = support::run_file(
        "gmail-sync-and-send-short-tokens.toml",
        &flawed_reference_broker("drop"),
    );
    assert_eq!(outcome.verdict, Verdict::Failed, "{outcome:?}");
    assert!(
        outcome.violated("no_lost_email"),
        "{:#?}",
        outcome.violations
    );
    assert!(
        !outcome.violated("no_duplicate_email"),
        "{:#?}",
        outcome.violations
    );
}

#[test]
fn a_sigkilled_process_resumes_from_its_sqlite_store_while_a_memory_one_resyncs_in_full() {
    let path = support::library().join("real-gmail-kill-9-with-sqlite-store.toml");
    let durable = harness::scenario::load_file(&path).expect("loads");
    let broker = support::reference_broker();
    let full_syncs = |record: &harness::run::RunRecord| {
        record
            .journal
            .iter()
            .filter(|entry| entry.endpoint == Endpoint::GmailMessagesList)
            .count()
    };

    let (outcome, record) = run_scenario(&path, &durable, &broker, None).expect("runs");
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
    let restarts = record
        .history
        .timeline()
        .filter(|e| e.kind == "restart")
        .count();
    assert_eq!(restarts, 2);
    assert_eq!(full_syncs(&record), 1, "one full sync, then history only");

    let mut forgetful = durable.clone();
    forgetful.broker.store = "memory".to_owned();
    let (outcome, record) = run_scenario(&path, &forgetful, &broker, None).expect("runs");
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
    assert!(
        full_syncs(&record) > restarts,
        "a full sync after each restart"
    );
}

#[test]
fn the_revoked_mid_sync_scenario_really_cuts_a_sync_off_and_reports_the_revocation() {
    let (outcome, record) = support::run_file(
        "gmail-refresh-token-revoked-mid-sync.toml",
        &support::reference_broker(),
    );
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
    let invalid_grants = record
        .journal
        .iter()
        .filter(|entry| entry.is_refresh() && entry.error.as_deref() == Some("invalid_grant"))
        .count();
    assert_eq!(
        invalid_grants, 1,
        "one refresh of the dead grant, then none"
    );
    assert!(
        record
            .email
            .syncs
            .iter()
            .any(|sync| sync.result == Err(FailureKind::Revoked)),
        "a sync reported the revocation: {:#?}",
        record.email.syncs
    );
    // The scenario polls no status (its real-mode copy did): the
    // revocation surfaces through the sync's answer above.
    let settled = &record.email.settled[0];
    assert_eq!(settled.final_sync, Err(FailureKind::Revoked));
    assert_eq!(
        settled.stored_before, settled.stored_after,
        "nothing dropped"
    );
    assert!(!settled.stored_after.is_empty());
}

#[test]
fn a_process_answering_mail_calls_with_garbage_fails_the_run_with_protocol_failures() {
    // Declares `gmail`, then answers every call with a bare string.
    let script = r#"
import json, sys
for line in sys.stdin:
    request = json.loads(line)
    result = {"capabilities": ["access_token", "status", "gmail"]} if request["method"] == "initialize" else "garbage"
    print(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": result}), flush=True)
    if request["method"] == "shutdown":
        break
"#;
    let dir = tempfile::tempdir().expect("a scratch folder");
    let path = dir.path().join("garbage.py");
    std::fs::write(&path, script).expect("script written");
    let broker = BrokerChoice::custom(Arc::new(ProcessBroker::command(format!(
        "python3 '{}'",
        path.display()
    ))));
    let (outcome, record) = support::run_file("gmail-sync-and-send-short-tokens.toml", &broker);
    assert_eq!(outcome.verdict, Verdict::Failed, "{outcome:?}");
    assert!(
        outcome.violated("no_lost_email"),
        "{:#?}",
        outcome.violations
    );
    assert!(!record.email.syncs.is_empty());
    assert!(
        record
            .email
            .syncs
            .iter()
            .all(|sync| sync.result == Err(FailureKind::Protocol)),
        "{:#?}",
        record.email.syncs
    );
    assert!(
        record
            .email
            .sends
            .iter()
            .all(|send| send.result == Err(FailureKind::Protocol))
    );
    assert_eq!(
        record.email.settled[0].final_sync,
        Err(FailureKind::Protocol)
    );
}
