//! `store = "bucket"`: the bucket the harness provisions (in memory in sim
//! mode, a real S3-compatible server in real mode), the raw objects the leak
//! scan reads, the writes judged from the server's log for process brokers,
//! and the `alert_raised` invariant's three verdicts.

mod support;

use harness::broker::Capabilities;
use harness::checkers::{AlertRaised, judge};
use harness::choice::BrokerChoice;
use harness::run::{Verdict, run_scenario};
use harness::scenario::{AlertRaisedParams, load_file, parse_scenario};

const REAL: &str = "real-bucket-two-processes.toml";
const ALERT: &str = "bucket-alert-expiring-with-failures.toml";

#[test]
fn reference_broker_processes_sync_through_a_real_bucket_scanned_at_rest() {
    let path = support::library().join(REAL);
    let scenario = load_file(&path).expect("loads");
    let (outcome, record) =
        run_scenario(&path, &scenario, &support::reference_broker(), None).expect("runs");
    assert_ne!(
        outcome.verdict,
        Verdict::Failed,
        "{:#?}",
        outcome.violations
    );
    assert!(outcome.violations.is_empty(), "{:#?}", outcome.violations);
    // The server's files (objects and their metadata) were read raw.
    let at_rest: Vec<&str> = record
        .store_bytes
        .iter()
        .filter(|(label, bytes)| label.contains("/grants/") && !bytes.is_empty())
        .map(|(label, _)| label.as_str())
        .collect();
    assert!(
        at_rest.iter().any(|label| label.ends_with("after the run")),
        "{:?}",
        record
            .store_bytes
            .iter()
            .map(|(l, _)| l)
            .collect::<Vec<_>>()
    );
    // The processes' writes are known from what the server committed.
    let writes: Vec<u64> = record
        .auth
        .store_writes
        .iter()
        .filter(|w| w.store == "bucket")
        .map(|w| w.version)
        .collect();
    assert!(writes.len() >= 2, "{writes:?}");
    assert!(
        writes.windows(2).all(|pair| pair[0] < pair[1]),
        "{writes:?}"
    );
}

#[test]
fn the_in_process_reference_passes_the_real_bucket_scenario() {
    let (outcome, _) = support::run_file(REAL, &BrokerChoice::parse("reference").expect("known"));
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
}

#[test]
fn the_alert_is_judged_and_raised_by_the_reference() {
    let (outcome, _) = support::run_file(ALERT, &BrokerChoice::parse("reference").expect("known"));
    assert!(
        outcome.checked.contains(&"alert_raised"),
        "{:?}",
        outcome.checked
    );
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
}

#[test]
fn alert_raised_is_unknown_for_a_broker_without_status() {
    let (_, mut record) =
        support::run_file(ALERT, &BrokerChoice::parse("reference").expect("known"));
    record.capabilities = Capabilities {
        access_token: true,
        ..Capabilities::default()
    };
    let judged = judge(&AlertRaised::new(AlertRaisedParams::default()), &record);
    assert!(judged.is_unknown(), "{judged:?}");
}

#[test]
fn alert_raised_is_unknown_when_no_account_was_near_expiry_and_failing() {
    // Status was polled all day, but no refresh ever failed.
    let (_, record) = support::run_file(
        "quiet-day-status.toml",
        &BrokerChoice::parse("reference").expect("known"),
    );
    assert!(record.history.status_samples().next().is_some());
    let judged = judge(&AlertRaised::new(AlertRaisedParams::default()), &record);
    assert!(judged.is_unknown(), "{judged:?}");
}

#[test]
fn bucket_steps_need_a_bucket_store() {
    let text = r#"
name = "no-bucket"
description = "a bucket fault without a bucket"
duration = "1h"

[[timeline]]
at = "0s"
action.bucket_fault = { fault = "outage" }
"#;
    let error = parse_scenario(text, "inline").expect_err("no bucket to fault");
    assert!(error.to_string().contains("bucket"), "{error}");
    let latency = text
        .replace(
            "duration = \"1h\"",
            "duration = \"1h\"\n\n[broker]\nstore = \"bucket\"",
        )
        .replace("fault = \"outage\"", "fault = \"latency\"");
    let error = parse_scenario(&latency, "inline").expect_err("latency needs a delay");
    assert!(error.to_string().contains("delay"), "{error}");
}
