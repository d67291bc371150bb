//! `retry_discipline` on Gmail requests, on hand-built records: a tight
//! loop is caught with and without `Retry-After`, a message-only retry time
//! is a wait, and overlapping calls of one account are not mistaken for
//! retries.

use harness::checkers::{Checker, RetryDiscipline};
use harness::run::{FaultWindow, History, MailCall, RunRecord};
use harness::scenario::RetryDisciplineParams;
use mock_provider::{Endpoint, JournalEntry, RequestDetails};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const ACCOUNT: &str = "alice@example.com";
const LIMITED: &str = "rate limited retry-after 20s";
const MESSAGE_ONLY: &str = "user-rate limit (message only)";

fn at(secs: f64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(2_000_000) + Duration::from_secs_f64(secs)
}

fn history(seq: u64, start: f64, status: u16, fault: Option<&str>) -> JournalEntry {
    JournalEntry {
        seq,
        started_at: at(start),
        finished_at: at(start + 0.01),
        method: "GET".into(),
        endpoint: Endpoint::GmailHistory,
        client_id: None,
        account: Some(ACCOUNT.into()),
        grant_id: None,
        grant_type: None,
        presented: Vec::new(),
        issued: None,
        status,
        error: None,
        fault: fault.map(str::to_owned),
        request: RequestDetails {
            path: "/gmail/v1/users/me/history".into(),
            ..RequestDetails::default()
        },
    }
}

fn window(label: &str, retry_after: Option<u64>, retry_at: Option<f64>) -> FaultWindow {
    FaultWindow {
        label: label.into(),
        retry_after: retry_after.map(Duration::from_secs),
        retry_at: retry_at.map(at),
        mounted_at: at(0.0),
        unmounted_at: Some(at(10_000.0)),
    }
}

fn calls(spans: &[(f64, f64)]) -> Vec<MailCall> {
    spans
        .iter()
        .map(|(start, end)| MailCall {
            account: ACCOUNT.into(),
            started_at: at(*start),
            finished_at: at(*end),
        })
        .collect()
}

fn judge(
    journal: Vec<JournalEntry>,
    faults: Vec<FaultWindow>,
    spans: &[(f64, f64)],
) -> Vec<String> {
    let mut record = RunRecord {
        journal,
        history: History::default().with_windows(faults),
        ..RunRecord::default()
    };
    record.email.calls = calls(spans);
    let judged = RetryDiscipline::new(RetryDisciplineParams::default()).check(&record);
    // Gmail requests alone are data: never unknown here.
    assert!(!judged.is_unknown(), "{judged:?}");
    judged
        .violations()
        .iter()
        .map(|v| v.message.clone())
        .collect()
}

#[test]
fn a_retry_inside_gmails_retry_after_is_a_violation_and_one_after_it_is_not() {
    let faults = vec![window(LIMITED, Some(20), None)];
    let early = judge(
        vec![
            history(0, 10.0, 429, Some(LIMITED)),
            history(1, 12.0, 200, None),
        ],
        faults.clone(),
        &[(9.0, 30.0)],
    );
    assert_eq!(early.len(), 1, "{early:?}");
    assert!(
        early[0].contains("gmail_history")
            && early[0].contains("#1 came 2.0s after #0 answered 429 with Retry-After: 20"),
        "{early:?}"
    );
    let patient = judge(
        vec![
            history(0, 10.0, 429, Some(LIMITED)),
            history(1, 30.5, 200, None),
        ],
        faults,
        &[(9.0, 31.0)],
    );
    assert!(patient.is_empty(), "{patient:?}");
}

#[test]
fn a_retry_time_named_only_in_the_message_is_a_wait_too() {
    // "Retry after" t=70 answered at t=10: a retry at t=40 is 30s early.
    let faults = vec![window(MESSAGE_ONLY, None, Some(70.0))];
    let found = judge(
        vec![
            history(0, 10.0, 429, Some(MESSAGE_ONLY)),
            history(1, 40.0, 429, Some(MESSAGE_ONLY)),
            history(2, 71.0, 200, None),
        ],
        faults,
        &[(9.0, 80.0)],
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("\"Retry after"), "{found:?}");
}

#[test]
fn a_second_call_waiting_on_the_same_resource_is_another_lane_not_a_retry() {
    let faults = vec![window(LIMITED, Some(20), None)];
    let journal = vec![
        history(0, 10.0, 429, Some(LIMITED)),
        // Another call's first try, and both calls' retries 20s later.
        history(1, 11.0, 429, Some(LIMITED)),
        history(2, 30.5, 200, None),
        history(3, 31.5, 200, None),
    ];
    let two_calls = judge(
        journal.clone(),
        faults.clone(),
        &[(9.0, 31.0), (10.5, 32.0)],
    );
    assert!(two_calls.is_empty(), "{two_calls:?}");
    // With only one call in flight the same requests are an early retry.
    let one_call = judge(journal, faults, &[(9.0, 32.0)]);
    assert!(
        one_call.iter().any(|m| m.contains("#1 came")),
        "{one_call:?}"
    );
}

#[test]
fn a_tight_loop_on_5xx_without_retry_after_fails_the_backoff_rule() {
    let journal: Vec<JournalEntry> = (0..8)
        .map(|i| history(i, 10.0 + i as f64 * 0.05, 503, None))
        .collect();
    let found = judge(journal, Vec::new(), &[(9.0, 11.0)]);
    assert!(
        found
            .iter()
            .any(|m| m.contains("gmail_history") && m.contains("backoff did not grow")),
        "{found:?}"
    );
    // The same streak with doubling gaps passes.
    let mut t = 10.0;
    let journal: Vec<JournalEntry> = (0..8)
        .map(|i| {
            let entry = history(i, t, 503, None);
            t += 2f64.powi(i as i32);
            entry
        })
        .collect();
    assert!(judge(journal, Vec::new(), &[(9.0, 300.0)]).is_empty());
}

#[test]
fn without_refreshes_or_gmail_requests_it_is_unknown() {
    let judged =
        RetryDiscipline::new(RetryDisciplineParams::default()).check(&RunRecord::default());
    assert!(judged.is_unknown(), "{judged:?}");
}
