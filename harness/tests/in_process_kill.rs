//! Kill -9 of an in-process instance kills everything it was doing: a
//! refresh the provider is still answering when the instance dies never
//! reaches the store, its token is never served, and the restarted instance
//! recovers on its own (issue 10, item 6).

use harness::broker::FailureKind;
use harness::choice::BrokerChoice;
use harness::run::{Verdict, run_scenario};
use harness::scenario::parse_scenario;
use mock_provider::Endpoint;
use std::path::Path;
use std::time::Duration;

/// The first refresh is held 20 s at the provider; the instance is killed
/// 5 s into it, and asked again at 25 s, after the provider answered: a
/// refresh that outlived the kill would have persisted its token by then.
const KILLED_MID_REFRESH: &str = r#"
name = "kill-9-while-a-refresh-is-at-the-provider"
seed = 66
duration = "10m"

[[timeline]]
at = "0s"
action.fault = { endpoint = "token", delay = "20s", times = 1 }

[[timeline]]
at = "0s"
action.token_requests = { account = "alice@example.com", callers = 3 }

[[timeline]]
at = "5s"
action.restart = { instance = 0 }

[[timeline]]
at = "25s"
every = "30s"
action.token_requests = { account = "alice@example.com", callers = 2 }

[invariants]
proactive_refresh = {}
"#;

#[test]
fn a_refresh_at_the_provider_when_the_instance_dies_never_reaches_the_store() {
    let path = Path::new("kill-9-while-a-refresh-is-at-the-provider.toml");
    let scenario = parse_scenario(KILLED_MID_REFRESH, path).expect("the scenario parses");
    let reference = BrokerChoice::parse("reference").expect("known broker");
    let (outcome, record) = run_scenario(path, &scenario, &reference, None).expect("it runs");
    let started = record.started_at.expect("recorded");

    // The held refresh reached the provider and was answered after the kill:
    // the provider issued a token nobody was left to receive.
    // (The journal orders entries by completion: the held one comes last.)
    let killed = record
        .journal
        .iter()
        .find(|e| e.fault.as_deref().is_some_and(|f| f.starts_with("delay")))
        .expect("the held refresh is journaled");
    assert!(killed.is_refresh() && killed.status == 200, "{killed:?}");
    let orphan = killed
        .issued
        .as_ref()
        .expect("a token was issued")
        .fingerprint
        .clone();
    assert!(killed.finished_at >= started + Duration::from_secs(20));

    // Its callers died with the instance; nobody was ever served its token.
    let early: Vec<_> = record
        .history
        .served()
        .filter(|s| s.requested_at < started + Duration::from_secs(5))
        .collect();
    assert_eq!(early.len(), 3);
    assert!(
        early.iter().all(|s| s.result == Err(FailureKind::Killed)),
        "{early:?}"
    );
    assert!(
        record
            .history
            .served()
            .all(|s| s.result.as_ref() != Ok(&orphan))
    );

    // Between the kill and the restarted instance's own refresh (at 25 s)
    // the store got nothing: not when the killed refresh was answered.
    let writes = &record.auth.store_writes;
    let (kill, asked_again) = (
        started + Duration::from_secs(5),
        started + Duration::from_secs(25),
    );
    assert!(
        writes.iter().all(|w| w.at <= kill || w.at >= asked_again),
        "a write while the instance was dead: {writes:?}"
    );
    assert!(
        writes.iter().any(|w| w.at >= asked_again),
        "the restarted instance persisted its refresh: {writes:?}"
    );
    let refreshed_after = record
        .journal
        .iter()
        .filter(|e| e.endpoint == Endpoint::Token && e.seq != killed.seq && e.status == 200)
        .count();
    assert!(refreshed_after >= 1, "the restarted instance refreshed");
    assert!(
        record
            .history
            .served()
            .filter(|s| s.requested_at >= started + Duration::from_secs(25))
            .all(|s| s.result.is_ok()),
        "the restarted instance serves every call"
    );
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );

    // Still a simulation: the same seed replays to the same journal.
    let (_, again) = run_scenario(path, &scenario, &reference, None).expect("it runs");
    assert_eq!(record.journal_hash, again.journal_hash);
}
