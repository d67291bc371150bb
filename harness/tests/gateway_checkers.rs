//! The gateway checkers fed hand-built records: each flags what it must, and
//! says unknown (never passes) when the run gave it nothing to judge.

use harness::broker::FailureKind;
use harness::checkers::{
    Checker, IdTokenVerified, LeastPrivilege, NoCredentialToConsumer, RelayConsumersAvailable,
};
use harness::run::{RelayCall, RelayOutageWindow, RunRecord, SignInAttempt};
use harness::scenario::{RelayAvailabilityParams, SignInKind};
use secrecy::SecretString;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
const SEND: &str = "https://www.googleapis.com/auth/gmail.send";

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_000_000 + secs)
}

fn attempt(kind: SignInKind, signed_in: bool) -> SignInAttempt {
    SignInAttempt {
        instance: 0,
        kind,
        started_at: at(0),
        finished_at: at(1),
        signed_in: signed_in.then(|| "alice@example.com".to_owned()),
        refusal: (!signed_in).then(|| "invalid_id_token".to_owned()),
        not_staged: None,
        journal_from: 0,
        journal_to: 0,
    }
}

fn call(
    consumer: &str,
    start: u64,
    end: u64,
    result: Result<Vec<&str>, (FailureKind, bool)>,
) -> RelayCall {
    RelayCall {
        consumer: consumer.to_owned(),
        started_at: at(start),
        finished_at: at(end),
        result: result
            .map(|scopes| scopes.into_iter().map(str::to_owned).collect())
            .map_err(|(kind, retryable)| (kind, retryable, "relay said no".to_owned())),
        bodies: vec![br#"{"access_token":"ya29.x","expires_in":3599}"#.to_vec()],
    }
}

fn messages(judgement: harness::checkers::Judgement) -> Vec<String> {
    judgement
        .violations()
        .iter()
        .map(|v| v.message.clone())
        .collect()
}

#[test]
fn id_token_verified_flags_an_accepted_forgery_and_a_refused_genuine_sign_in() {
    let mut run = RunRecord::default();
    run.gateway.sign_ins = vec![
        attempt(SignInKind::Genuine, true),
        attempt(SignInKind::AlgNone, false),
        attempt(SignInKind::BadSignature, true),
        attempt(SignInKind::Genuine, false),
    ];
    let found = messages(IdTokenVerified.check(&run));
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("BadSignature"), "{found:?}");
    assert!(found[1].contains("refused a genuine sign-in"), "{found:?}");
    run.gateway.sign_ins.truncate(2);
    assert!(IdTokenVerified.check(&run).passed());
}

#[test]
fn id_token_verified_without_a_staged_sign_in_is_unknown_not_passed() {
    let mut run = RunRecord::default();
    assert!(IdTokenVerified.check(&run).is_unknown());
    let mut unstaged = attempt(SignInKind::Expired, false);
    unstaged.not_staged = Some("the sign-in url carries no nonce".to_owned());
    run.gateway.sign_ins = vec![unstaged];
    let judged = IdTokenVerified.check(&run);
    assert!(
        judged
            .reason()
            .is_some_and(|r| r.contains("carries no nonce")),
        "{judged:?}"
    );
}

#[test]
fn no_credential_to_consumer_finds_a_refresh_token_in_a_body_and_is_unknown_without_bodies() {
    let mut run = RunRecord::default();
    assert!(NoCredentialToConsumer.check(&run).is_unknown());
    run.gateway.credentials = vec![(
        "refresh token of alice".to_owned(),
        SecretString::from("1//0refresh-token-of-alice-123456"),
    )];
    run.gateway.relay_calls = vec![call("sync-worker", 0, 1, Ok(vec![READONLY]))];
    assert!(NoCredentialToConsumer.check(&run).passed());
    run.gateway.relay_calls[0].bodies.push(
        br#"{"access_token":"ya29.x","refresh_token":"1//0refresh-token-of-alice-123456"}"#
            .to_vec(),
    );
    let found = messages(NoCredentialToConsumer.check(&run));
    assert_eq!(
        found,
        ["consumer `sync-worker` received the refresh token of alice in a relay answer"]
    );
}

#[test]
fn least_privilege_flags_a_consumer_token_beyond_its_role() {
    let mut run = RunRecord::default();
    assert!(
        LeastPrivilege.check(&run).is_unknown(),
        "no request, no relay grant"
    );
    run.gateway
        .consumer_scopes
        .insert("sync-worker".to_owned(), vec![READONLY.to_owned()]);
    run.gateway.relay_calls = vec![
        call("sync-worker", 0, 1, Ok(vec![READONLY])),
        call("sync-worker", 5, 6, Ok(vec![READONLY, SEND])),
    ];
    let found = messages(LeastPrivilege.check(&run));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains(SEND), "{found:?}");
}

#[test]
fn relay_availability_flags_slow_answers_loops_hard_errors_and_no_recovery() {
    let checker = RelayConsumersAvailable::new(RelayAvailabilityParams::default());
    let mut run = RunRecord::default();
    assert!(checker.check(&run).is_unknown(), "no call: unknown");
    run.gateway.relay_outages = vec![RelayOutageWindow {
        from: at(100),
        until: Some(at(200)),
    }];
    run.gateway.relay_calls = vec![
        call("sync-worker", 10, 11, Ok(vec![READONLY])),
        call("sync-worker", 110, 110, Err((FailureKind::Transient, true))),
        call("sync-worker", 400, 401, Ok(vec![READONLY])),
    ];
    assert!(checker.check(&run).passed(), "{:?}", checker.check(&run));

    run.gateway.relay_calls.push(call(
        "outbox-worker",
        120,
        130,
        Err((FailureKind::Transient, true)),
    ));
    run.gateway.relay_calls.push(call(
        "report-worker",
        130,
        130,
        Err((FailureKind::Other, false)),
    ));
    run.gateway.relay_calls.push(call(
        "report-worker",
        400,
        400,
        Err((FailureKind::Transient, true)),
    ));
    run.gateway.relay_contacts = (0..9)
        .map(|i| ("sync-worker".to_owned(), at(150 + i)))
        .collect();
    let found = messages(checker.check(&run));
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(
        found
            .iter()
            .any(|m| m.contains("`outbox-worker` waited 10s")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|m| m.contains("non-retryable Other")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|m| m.contains("9 times in one outage")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|m| m.contains("`report-worker` still had no token")),
        "{found:#?}"
    );
}
