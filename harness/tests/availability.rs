//! `availability` on hand-built records: each rule of docs/SCENARIOS.md
//! ("availability") flags what it must, excuses what it must, and says
//! unknown when the timeline made no call.

use harness::broker::FailureKind;
use harness::checkers::{Availability, Checker, Judgement};
use harness::run::{History, RunRecord, ServedToken, TimelineEvent};
use harness::scenario::AvailabilityParams;
use mock_provider::{Endpoint, Fingerprint, GrantId, IssuedToken, JournalEntry};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const ALICE: &str = "alice@example.com";

fn at(secs: f64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_000_000) + Duration::from_secs_f64(secs)
}

/// A refresh at `start`: `Ok(token)` issues `token` for an hour, `Err`
/// answers that status and error.
fn refresh(seq: u64, start: f64, answer: Result<&str, (u16, Option<&str>)>) -> JournalEntry {
    let (status, error, issued) = match answer {
        Ok(token) => (
            200,
            None,
            Some(IssuedToken {
                fingerprint: Fingerprint::of(token),
                issued_at: at(start),
                expires_at: at(start + 3600.0),
            }),
        ),
        Err((status, error)) => (status, error.map(str::to_owned), None),
    };
    JournalEntry {
        seq,
        started_at: at(start),
        finished_at: at(start + 0.1),
        method: "POST".into(),
        endpoint: Endpoint::Token,
        client_id: Some("client".into()),
        account: Some(ALICE.into()),
        grant_id: Some(GrantId("g1".into())),
        grant_type: Some("refresh_token".into()),
        presented: vec![Fingerprint::of("1//r")],
        issued,
        status,
        error,
        fault: None,
        request: Default::default(),
    }
}

fn call(secs: f64, result: Result<&str, FailureKind>) -> ServedToken {
    ServedToken {
        instance: 0,
        account: ALICE.into(),
        requested_at: at(secs),
        served_at: at(secs + 0.2),
        result: result.map(Fingerprint::of),
    }
}

fn judge(journal: Vec<JournalEntry>, served: Vec<ServedToken>) -> Judgement {
    judge_with(journal, served, Vec::new())
}

fn judge_with(
    journal: Vec<JournalEntry>,
    served: Vec<ServedToken>,
    events: Vec<TimelineEvent>,
) -> Judgement {
    Availability::new(AvailabilityParams::default()).check(&RunRecord {
        journal,
        history: History::default().with(served).with(events),
        started_at: Some(at(0.0)),
        ..RunRecord::default()
    })
}

fn message(judged: &Judgement) -> String {
    judged
        .violations()
        .iter()
        .map(|v| v.message.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn no_call_is_unknown_not_a_pass() {
    let judged = judge(vec![refresh(0, 0.0, Ok("ya29.a"))], Vec::new());
    assert!(judged.is_unknown(), "{judged:?}");
}

#[test]
fn every_call_served_passes() {
    let judged = judge(
        vec![refresh(0, 0.0, Ok("ya29.a"))],
        vec![call(1.0, Ok("ya29.a")), call(2.0, Ok("ya29.a"))],
    );
    assert!(judged.passed(), "{judged:?}");
}

#[test]
fn a_failure_with_no_fault_in_sight_is_not_excused() {
    let judged = judge(Vec::new(), vec![call(10.0, Err(FailureKind::Storage))]);
    assert!(judged.failed());
    assert!(
        message(&judged).contains("no store outage was in force"),
        "{}",
        message(&judged)
    );
    let judged = judge(Vec::new(), vec![call(10.0, Err(FailureKind::Transient))]);
    assert!(
        message(&judged).contains("answered every token request"),
        "{}",
        message(&judged)
    );
}

#[test]
fn transient_while_the_provider_fails_refreshes_is_excused() {
    let judged = judge(
        vec![refresh(0, 10.0, Err((503, None)))],
        vec![call(10.0, Err(FailureKind::Transient))],
    );
    assert!(judged.passed(), "{judged:?}");
    // Within the recovery grace after the failed refresh, too ...
    let judged = judge(
        vec![refresh(0, 10.0, Err((503, None)))],
        vec![call(50.0, Err(FailureKind::Transient))],
    );
    assert!(judged.passed(), "{judged:?}");
    // ... but not long after it.
    let judged = judge(
        vec![refresh(0, 10.0, Err((503, None)))],
        vec![call(500.0, Err(FailureKind::Transient))],
    );
    assert!(judged.failed(), "{judged:?}");
}

#[test]
fn a_held_token_must_be_served_whatever_the_provider_or_store_does() {
    let judged = judge(
        vec![
            refresh(0, 0.0, Ok("ya29.a")),
            refresh(1, 60.0, Err((503, None))),
        ],
        vec![
            call(1.0, Ok("ya29.a")),
            call(60.0, Err(FailureKind::Transient)),
        ],
    );
    assert!(judged.failed());
    assert!(
        message(&judged).contains("held a token still valid for 58m 59s"),
        "{}",
        message(&judged)
    );
}

#[test]
fn a_held_token_inside_the_usable_margin_does_not_count() {
    // 3000 s into a 3600 s token, 600 s are left: more than the 5m margin,
    // so failing is wrong; at 3400 s, 200 s are left: refusing it is the
    // broker's margin, and the provider's outage excuses the failure.
    let journal = vec![
        refresh(0, 0.0, Ok("ya29.a")),
        refresh(1, 3000.0, Err((503, None))),
        refresh(2, 3400.0, Err((503, None))),
    ];
    let inside = judge(
        journal.clone(),
        vec![
            call(1.0, Ok("ya29.a")),
            call(3400.0, Err(FailureKind::Transient)),
        ],
    );
    assert!(inside.passed(), "{inside:?}");
    let outside = judge(
        journal,
        vec![
            call(1.0, Ok("ya29.a")),
            call(3000.0, Err(FailureKind::Transient)),
        ],
    );
    assert!(outside.failed(), "{outside:?}");
}

#[test]
fn a_refused_grant_must_be_reported_as_revoked() {
    let journal = vec![refresh(0, 10.0, Err((400, Some("invalid_grant"))))];
    let right = judge(journal.clone(), vec![call(20.0, Err(FailureKind::Revoked))]);
    assert!(right.passed(), "{right:?}");
    let wrong = judge(journal, vec![call(20.0, Err(FailureKind::Transient))]);
    assert!(
        message(&wrong).contains("it should say `revoked`"),
        "{}",
        message(&wrong)
    );
}

#[test]
fn revoked_without_a_refusal_is_a_false_alarm() {
    let judged = judge(
        vec![refresh(0, 0.0, Ok("ya29.a"))],
        vec![call(20.0, Err(FailureKind::Revoked))],
    );
    assert!(message(&judged).contains("false alarm"), "{judged:?}");
}

#[test]
fn a_new_consent_after_a_refusal_ends_the_excuse() {
    let mut exchange = refresh(1, 30.0, Ok("ya29.b"));
    exchange.grant_type = Some("authorization_code".into());
    let judged = judge(
        vec![
            refresh(0, 10.0, Err((400, Some("invalid_grant")))),
            exchange,
        ],
        vec![call(40.0, Err(FailureKind::Revoked))],
    );
    assert!(message(&judged).contains("false alarm"), "{judged:?}");
}

#[test]
fn storage_failures_are_excused_only_during_a_store_outage_without_a_token() {
    let outage = |on: bool, secs: f64| TimelineEvent {
        at: at(secs),
        what: format!("Outage({on}) on instance 0"),
        account: None,
        kind: "store_fault",
    };
    let down = judge_with(
        Vec::new(),
        vec![call(20.0, Err(FailureKind::Storage))],
        vec![outage(true, 10.0), outage(false, 30.0)],
    );
    assert!(down.passed(), "{down:?}");
    let recovered = judge_with(
        Vec::new(),
        vec![call(40.0, Err(FailureKind::Storage))],
        vec![outage(true, 10.0), outage(false, 30.0)],
    );
    assert!(recovered.failed(), "{recovered:?}");
    // A refresh that succeeded during the call gave it a token to serve.
    let refreshed = judge_with(
        vec![refresh(0, 20.05, Ok("ya29.a"))],
        vec![call(20.0, Err(FailureKind::Storage))],
        vec![outage(true, 10.0)],
    );
    assert!(refreshed.failed(), "{refreshed:?}");
}

#[test]
fn calls_the_harness_killed_and_broker_faults_are_not_availabilitys_to_judge() {
    let judged = judge(
        vec![refresh(0, 0.0, Ok("ya29.a"))],
        vec![
            call(1.0, Ok("ya29.a")),
            call(2.0, Err(FailureKind::Killed)),
            call(3.0, Err(FailureKind::Timeout)),
        ],
    );
    assert!(judged.passed(), "{judged:?}");
}

#[test]
fn many_failures_of_one_kind_are_one_violation_with_a_count() {
    let served: Vec<ServedToken> = (0..40)
        .map(|i| call(f64::from(i), Err(FailureKind::Storage)))
        .collect();
    let judged = judge(Vec::new(), served);
    assert_eq!(judged.violations().len(), 1, "{judged:?}");
    assert!(
        message(&judged).starts_with("40 calls like this"),
        "{}",
        message(&judged)
    );
}

#[test]
fn a_token_the_provider_never_issued_is_no_service() {
    let judged = judge(
        vec![refresh(0, 0.0, Ok("ya29.a"))],
        vec![
            call(1.0, Ok("ya29.a")),
            call(2.0, Ok("ya29.made-up")),
            call(3.0, Ok("ya29.made-up")),
        ],
    );
    assert!(judged.failed(), "{judged:?}");
    let text = message(&judged);
    assert!(text.contains("never issued"), "{text}");
    assert!(text.starts_with("2 calls like this"), "{text}");
}

#[test]
fn another_accounts_token_is_no_service() {
    let mut bobs = refresh(0, 0.0, Ok("ya29.bob"));
    bobs.account = Some("bob@example.com".into());
    let judged = judge(
        vec![bobs, refresh(1, 0.5, Ok("ya29.alice"))],
        vec![call(1.0, Ok("ya29.alice")), call(2.0, Ok("ya29.bob"))],
    );
    assert!(judged.failed(), "{judged:?}");
    let text = message(&judged);
    assert!(text.contains("issued for bob@example.com (#0)"), "{text}");
    assert_eq!(judged.violations()[0].entries, vec![0]);
}

#[test]
fn a_token_whose_issuer_named_no_account_is_not_blamed() {
    let mut anonymous = refresh(0, 0.0, Ok("ya29.a"));
    anonymous.account = None;
    let judged = judge(vec![anonymous], vec![call(1.0, Ok("ya29.a"))]);
    assert!(judged.passed(), "{judged:?}");
}

#[test]
fn a_token_expired_before_the_call_is_no_service_unless_the_provider_clock_moved_alone() {
    // Issued at 0 for an hour; asked for again at 3601, after it expired.
    let journal = || vec![refresh(0, 0.0, Ok("ya29.a"))];
    let served = || vec![call(1.0, Ok("ya29.a")), call(3601.0, Ok("ya29.a"))];
    let judged = judge(journal(), served());
    assert!(judged.failed(), "{judged:?}");
    let text = message(&judged);
    assert!(
        text.contains("had expired 1s before the call (issued by #0)"),
        "{text}"
    );
    // Just before expiry is proactive_refresh's margin to judge, not this.
    let judged = judge(journal(), vec![call(3599.0, Ok("ya29.a"))]);
    assert!(judged.passed(), "{judged:?}");
    // The provider's clock alone jumped: its tokens expire earlier than
    // any broker clock can tell.
    let jumped = TimelineEvent {
        at: at(10.0),
        what: "Provider clock jumped 2h forward".into(),
        account: None,
        kind: "jump_clock",
    };
    let judged = judge_with(journal(), served(), vec![jumped]);
    assert!(judged.passed(), "{judged:?}");
    // Every clock jumping together is foreseeable: no excuse.
    let all = TimelineEvent {
        at: at(10.0),
        what: "All clock jumped 2h forward".into(),
        account: None,
        kind: "jump_clock",
    };
    let judged = judge_with(journal(), served(), vec![all]);
    assert!(judged.failed(), "{judged:?}");
}
