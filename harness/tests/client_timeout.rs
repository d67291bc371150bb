//! "Latency past the client's timeout" in sim: the harness's in-memory
//! transport times out like a real HTTP client, and the mock journals the
//! abandoned requests.

mod support;

use harness::choice::BrokerChoice;
use harness::run::{Verdict, run_scenario};
use std::time::Duration;

const FILE: &str = "token-endpoint-latency-past-client-timeout.toml";

#[test]
fn refreshes_slower_than_the_client_timeout_are_abandoned_and_retried_until_one_succeeds() {
    let reference = BrokerChoice::parse("reference").expect("known broker");
    let (outcome, record) = support::run_file(FILE, &reference);
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
    let abandoned: Vec<_> = record
        .journal
        .iter()
        .filter(|e| e.is_refresh() && e.status == 0)
        .collect();
    assert!(abandoned.len() >= 2, "{:#?}", record.journal);
    for entry in &abandoned {
        let waited = entry
            .finished_at
            .duration_since(entry.started_at)
            .expect("ordered");
        assert_eq!(waited, Duration::from_secs(30), "{entry}");
    }
    // The refresh after the brown-out succeeded before the first token expired.
    let recovered = record
        .journal
        .iter()
        .filter(|e| e.is_refresh() && e.succeeded())
        .nth(1)
        .expect("a second successful refresh");
    assert!(recovered.started_at > abandoned[0].started_at);
}

#[test]
fn with_a_longer_client_timeout_the_same_delays_are_answered_not_abandoned() {
    let reference = BrokerChoice::parse("reference").expect("known broker");
    let path = support::library().join(FILE);
    let mut scenario = harness::scenario::load_file(&path).expect("loads");
    scenario.broker.http_timeout = Duration::from_secs(60);
    let (outcome, record) = run_scenario(&path, &scenario, &reference, None).expect("runs");
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
    assert!(
        record.journal.iter().all(|e| e.status != 0),
        "{:#?}",
        record.journal
    );
    assert!(
        record
            .journal
            .iter()
            .any(|e| e.is_refresh() && e.fault.is_some() && e.succeeded()),
        "a delayed refresh was answered"
    );
}
