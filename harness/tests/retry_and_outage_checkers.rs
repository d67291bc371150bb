//! `retry_discipline`, `outage_surfaced` and `survives_restart` on
//! hand-built records: each rule flags what it must and nothing else.

use harness::broker::{AccountReport, FailureKind};
use harness::checkers::{Checker, OutageSurfaced, RetryDiscipline, SurvivesRestart};
use harness::run::{FaultWindow, History, RunRecord, ServedToken, StatusSample, TimelineEvent};
use harness::scenario::{OutageSurfacedParams, RetryDisciplineParams};
use mock_provider::{Endpoint, Fingerprint, GrantId, JournalEntry};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn at(secs: f64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_000_000) + Duration::from_secs_f64(secs)
}

fn refresh(
    seq: u64,
    start: f64,
    status: u16,
    error: Option<&str>,
    fault: Option<&str>,
) -> JournalEntry {
    JournalEntry {
        seq,
        started_at: at(start),
        finished_at: at(start + 0.1),
        method: "POST".into(),
        endpoint: Endpoint::Token,
        client_id: Some("client".into()),
        account: Some("alice@example.com".into()),
        grant_id: Some(GrantId("g1".into())),
        grant_type: Some("refresh_token".into()),
        presented: vec![Fingerprint::of("1//r")],
        issued: None,
        status,
        error: error.map(str::to_owned),
        fault: fault.map(str::to_owned),
        request: Default::default(),
    }
}

fn retry(record: &RunRecord) -> Vec<String> {
    RetryDiscipline::new(RetryDisciplineParams::default())
        .check(record)
        .violations()
        .to_vec()
        .into_iter()
        .map(|v| v.message)
        .collect()
}

#[test]
fn one_refresh_after_invalid_grant_is_a_violation() {
    let record = RunRecord {
        journal: vec![
            refresh(0, 0.0, 400, Some("invalid_grant"), None),
            refresh(1, 60.0, 400, Some("invalid_grant"), None),
        ],
        ..RunRecord::default()
    };
    let found = retry(&record);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("after #0 answered invalid_grant"));
}

#[test]
fn a_retry_inside_the_retry_after_window_is_a_violation_and_one_after_it_is_not() {
    let window = FaultWindow {
        label: "respond 429 on token".into(),
        retry_after: Some(Duration::from_secs(30)),
        retry_at: None,
        mounted_at: at(0.0),
        unmounted_at: Some(at(1000.0)),
    };
    let early = RunRecord {
        journal: vec![
            refresh(0, 10.0, 429, None, Some("respond 429 on token")),
            refresh(1, 15.0, 200, None, None),
        ],
        history: History::default().with_windows(vec![window.clone()]),
        ..RunRecord::default()
    };
    assert!(retry(&early)[0].contains("Retry-After: 30"));
    let patient = RunRecord {
        journal: vec![
            refresh(0, 10.0, 429, None, Some("respond 429 on token")),
            refresh(1, 41.0, 200, None, None),
        ],
        history: History::default().with_windows(vec![window]),
        ..RunRecord::default()
    };
    assert!(retry(&patient).is_empty());
}

#[test]
fn too_many_refreshes_in_a_window_is_a_violation() {
    let journal = (0..11)
        .map(|i| refresh(i, i as f64 * 60.0 / 12.0, 200, None, None))
        .collect();
    let found = retry(&RunRecord {
        journal,
        ..RunRecord::default()
    });
    assert!(
        found.iter().any(|m| m.contains("over the bound of 10")),
        "{found:?}"
    );
}

fn streak(times: &[f64], last_status: u16) -> RunRecord {
    let mut journal: Vec<JournalEntry> = times
        .iter()
        .enumerate()
        .map(|(i, t)| refresh(i as u64, *t, 503, None, None))
        .collect();
    if let Some(last) = journal.last_mut() {
        last.status = last_status;
    }
    RunRecord {
        journal,
        ..RunRecord::default()
    }
}

#[test]
fn a_failure_streak_whose_gaps_do_not_grow_is_a_violation() {
    // A fixed one-second retry loop: five failures, gaps 1, 1, 1, 1.
    let constant = streak(&[0.0, 1.0, 2.0, 3.0, 4.0], 503);
    let found = retry(&constant);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("backoff did not grow during a 5-attempt failure streak"));
    // Gaps that shrink: 8 s then 1 s apart.
    let shrinking = streak(&[0.0, 8.0, 16.0, 17.0, 18.0, 19.0], 503);
    assert!(retry(&shrinking)[0].contains("mean gap 8s in its first half, 1s in its second"));
}

#[test]
fn exponential_backoff_passes_with_or_without_jitter() {
    // Doubling ceilings 1, 2, 4, 8, 16 s.
    let exact = streak(&[0.0, 1.0, 3.0, 7.0, 15.0, 31.0, 32.0], 200);
    assert!(retry(&exact).is_empty(), "{:?}", retry(&exact));
    // Full jitter under those ceilings: any single gap may be small.
    let jittered = streak(&[0.0, 0.9, 1.1, 4.8, 6.0, 19.0], 503);
    assert!(retry(&jittered).is_empty(), "{:?}", retry(&jittered));
    // A streak that sits at its cap (here 60 s max_backoff) needs not grow.
    let capped = streak(&[0.0, 20.0, 40.0, 60.0, 80.0, 100.0], 503);
    assert!(retry(&capped).is_empty(), "{:?}", retry(&capped));
}

#[test]
fn gaps_held_at_the_servers_retry_after_need_not_grow_but_a_minute_of_them_is_too_many() {
    // Retry-After: 1 on every answer; a broker whose growing backoff is
    // still under the floor waits about a second each time (issue 10,
    // item 9: the reference broker's cold start into such a storm).
    let label = "respond 429 on token";
    let window = FaultWindow {
        label: label.into(),
        retry_after: Some(Duration::from_secs(1)),
        mounted_at: at(0.0),
        unmounted_at: None,
        retry_at: None,
    };
    let paced = |times: &[f64]| RunRecord {
        journal: times
            .iter()
            .enumerate()
            .map(|(i, t)| refresh(i as u64, *t, 429, None, Some(label)))
            .collect(),
        history: History::default().with_windows(vec![window.clone()]),
        ..RunRecord::default()
    };
    let held = paced(&[0.0, 1.1, 2.2, 3.3, 4.5, 5.6]);
    assert!(retry(&held).is_empty(), "{:?}", retry(&held));
    // The same gaps without a Retry-After are the broker's own flat loop.
    let unpaced = streak(&[0.0, 1.1, 2.2, 3.3, 4.5, 5.6], 503);
    assert!(retry(&unpaced)[0].contains("backoff did not grow"));
    // Held at the floor for a whole minute: the rate bound catches it.
    let hot_loop: Vec<f64> = (0..40).map(|i| f64::from(i) * 1.1).collect();
    let found = retry(&paced(&hot_loop));
    assert!(
        found.iter().any(|m| m.contains("over the bound of 10"))
            && !found.iter().any(|m| m.contains("backoff")),
        "{found:?}"
    );
}

fn revoked_record(states: &[(f64, &str)]) -> RunRecord {
    RunRecord {
        journal: vec![refresh(0, 100.0, 400, Some("invalid_grant"), None)],
        history: History::default()
            .with(vec![TimelineEvent {
                at: at(50.0),
                what: "revoked".into(),
                account: Some("alice@example.com".into()),
                kind: "revoke_account",
            }])
            .with(states.iter().map(|(secs, state)| StatusSample {
                instance: 0,
                at: at(*secs),
                answered_at: at(*secs),
                accounts: vec![AccountReport {
                    account: "alice@example.com".into(),
                    state: harness::broker::AccountState::from_wire(state),
                    alert: None,
                }],
            })),
        ..RunRecord::default()
    }
}

fn outage(record: &RunRecord) -> usize {
    OutageSurfaced::new(OutageSurfacedParams {
        within: Duration::from_secs(60),
        poll_every: Duration::from_secs(30),
    })
    .check(record)
    .violations()
    .to_vec()
    .len()
}

#[test]
fn needs_reauth_within_the_bound_surfaces_the_outage() {
    assert_eq!(
        outage(&revoked_record(&[
            (130.0, "needs_reauth"),
            (190.0, "needs_reauth")
        ])),
        0
    );
}

#[test]
fn ok_past_the_bound_is_a_silent_outage() {
    assert_eq!(outage(&revoked_record(&[(130.0, "ok"), (190.0, "ok")])), 1);
}

#[test]
fn a_run_that_ends_before_the_bound_is_not_judged() {
    assert_eq!(outage(&revoked_record(&[(130.0, "ok")])), 0);
}

fn served(secs: f64, result: Result<&str, FailureKind>) -> ServedToken {
    ServedToken {
        instance: 0,
        account: "alice@example.com".into(),
        requested_at: at(secs),
        served_at: at(secs),
        result: result.map(Fingerprint::of),
    }
}

#[test]
fn a_revoked_answer_after_a_restart_is_a_lost_grant_but_a_killed_call_is_not() {
    let restart = TimelineEvent {
        at: at(10.0),
        what: "instance 0 killed and restarted".into(),
        account: None,
        kind: "restart",
    };
    let lost = RunRecord {
        history: History::default()
            .with(vec![
                served(1.0, Ok("a")),
                served(11.0, Err(FailureKind::Revoked)),
            ])
            .with(vec![restart.clone()]),
        ..RunRecord::default()
    };
    assert_eq!(SurvivesRestart.check(&lost).violations().to_vec().len(), 1);
    let killed = RunRecord {
        history: History::default()
            .with(vec![
                served(1.0, Ok("a")),
                served(10.5, Err(FailureKind::Killed)),
                served(11.0, Ok("a")),
            ])
            .with(vec![restart]),
        ..RunRecord::default()
    };
    assert!(
        SurvivesRestart
            .check(&killed)
            .violations()
            .to_vec()
            .is_empty()
    );
}

#[test]
fn a_transient_answer_after_a_restart_is_a_loss_unless_the_provider_was_failing() {
    let restart = TimelineEvent {
        at: at(10.0),
        what: "instance 0 killed and restarted".into(),
        account: None,
        kind: "restart",
    };
    let calls = vec![
        served(1.0, Ok("a")),
        served(11.0, Err(FailureKind::Transient)),
    ];
    let quiet = RunRecord {
        history: History::default()
            .with(calls.clone())
            .with(vec![restart.clone()]),
        ..RunRecord::default()
    };
    let found = SurvivesRestart.check(&quiet).violations().to_vec();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].message.contains("failed as `transient`"),
        "{found:#?}"
    );
    assert!(found[0].message.contains("1s after it"), "{found:#?}");
    // A 503 on the account's refresh during the call excuses it.
    let faulted = RunRecord {
        journal: vec![refresh(0, 10.5, 503, None, None)],
        history: History::default().with(calls).with(vec![restart]),
        ..RunRecord::default()
    };
    assert!(
        SurvivesRestart.check(&faulted).passed(),
        "{:#?}",
        SurvivesRestart.check(&faulted)
    );
}

#[test]
fn a_call_to_another_instance_is_not_the_restarts_to_answer_for() {
    let restart = TimelineEvent {
        at: at(10.0),
        what: "instance 1 killed and restarted".into(),
        account: None,
        kind: "restart",
    };
    let record = RunRecord {
        history: History::default()
            .with(vec![
                served(1.0, Ok("a")),
                served(11.0, Err(FailureKind::Transient)),
            ])
            .with(vec![restart]),
        ..RunRecord::default()
    };
    // Instance 0's failure says nothing about instance 1's restart.
    assert!(SurvivesRestart.check(&record).is_unknown());
}
