//! `no_rejected_token_reuse` on hand-built records: after a 401 the broker's
//! answer must be a newer token, and the rejected one never comes back.

use harness::broker::FailureKind;
use harness::checkers::{Checker, NoRejectedTokenReuse};
use harness::run::{AfterRejection, ApiCall, History, RunRecord, ServedToken};
use mock_provider::{Endpoint, Fingerprint, GrantId, IssuedToken, JournalEntry};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn at(secs: f64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_000_000) + Duration::from_secs_f64(secs)
}

fn issued(seq: u64, secs: f64, token: &str) -> JournalEntry {
    JournalEntry {
        seq,
        started_at: at(secs),
        finished_at: at(secs),
        method: "POST".into(),
        endpoint: Endpoint::Token,
        client_id: Some("client".into()),
        account: Some("alice@example.com".into()),
        grant_id: Some(GrantId("g1".into())),
        grant_type: Some("refresh_token".into()),
        presented: vec![Fingerprint::of("1//refresh")],
        issued: Some(IssuedToken {
            fingerprint: Fingerprint::of(token),
            issued_at: at(secs),
            expires_at: at(secs + 3600.0),
        }),
        status: 200,
        error: None,
        fault: None,
        request: Default::default(),
    }
}

fn served(secs: f64, token: &str) -> ServedToken {
    ServedToken {
        instance: 0,
        account: "alice@example.com".into(),
        requested_at: at(secs),
        served_at: at(secs),
        result: Ok(Fingerprint::of(token)),
    }
}

/// Tokens `a` (by #0) and `b` (by #1) issued; a call with `a` got 401 at
/// 100 s and the broker answered the report with `answer`.
fn record(answer: Result<&str, FailureKind>, later: &[(f64, &str)]) -> RunRecord {
    let mut record = RunRecord {
        journal: vec![issued(0, 0.0, "a"), issued(1, 50.0, "b")],
        history: History::default().with(later.iter().map(|(secs, token)| served(*secs, token))),
        ..RunRecord::default()
    };
    record.auth.api_calls.push(ApiCall {
        instance: 0,
        account: "alice@example.com".into(),
        at: at(100.0),
        token: Ok(Fingerprint::of("a")),
        status: Some(401),
        journal_seq: Some(2),
        after_401: Some(AfterRejection {
            told_at: at(100.0),
            answered_at: at(101.0),
            journal_from: 3,
            journal_to: 3,
            token: answer.map(Fingerprint::of),
            status: None,
        }),
    });
    record
}

fn messages(record: &RunRecord) -> Vec<String> {
    NoRejectedTokenReuse
        .check(record)
        .violations()
        .iter()
        .map(|v| v.message.clone())
        .collect()
}

#[test]
fn serving_the_rejected_token_again_is_a_violation() {
    let found = messages(&record(Ok("a"), &[]));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("served the same token again"),
        "{found:?}"
    );
}

#[test]
fn a_newer_token_it_already_held_or_a_refusal_is_fine() {
    assert!(messages(&record(Ok("b"), &[(200.0, "b")])).is_empty());
    assert!(messages(&record(Err(FailureKind::Revoked), &[])).is_empty());
}

#[test]
fn an_older_token_than_the_rejected_one_is_a_violation() {
    let mut older = record(Ok("b"), &[]);
    // Swap the issue order: `b` is now the older token.
    older.journal = vec![issued(0, 0.0, "b"), issued(1, 50.0, "a")];
    let found = messages(&older);
    assert!(found[0].contains("served an older one"), "{found:?}");
}

#[test]
fn a_later_call_served_the_rejected_token_is_a_violation_but_one_in_flight_is_not() {
    // Asked at 100.5 s, before the broker answered the report: in flight.
    assert!(messages(&record(Ok("b"), &[(100.5, "a")])).is_empty());
    let found = messages(&record(Ok("b"), &[(150.0, "a"), (160.0, "a")]));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("2 more time(s)"), "{found:?}");
}

#[test]
fn a_run_without_a_401_is_unknown_not_passed() {
    let mut quiet = record(Ok("b"), &[]);
    quiet.auth.api_calls[0].status = Some(200);
    quiet.auth.api_calls[0].after_401 = None;
    assert!(NoRejectedTokenReuse.check(&quiet).is_unknown());
    assert!(NoRejectedTokenReuse.check(&record(Ok("b"), &[])).passed());
}
