//! Protocol levels 3 and 4 over a real process: the harness's process
//! binding drives `sync`, `synced_ids` and `send` (and `access_token` with
//! `rejected`, and authorization) against the `reference-broker` binary and
//! the mock on 127.0.0.1; answers of the wrong shape are protocol failures;
//! a broker without `gmail` gets mail scenarios as not applicable. The email
//! checkers against process brokers are in `process_gmail_checkers.rs`.

mod support;

use harness::broker::{
    BrokerEnv, BrokerFactory, BrokerInstance, FailureKind, ProcessBroker, RunShared,
};
use harness::broker::{RUN_STORE_KEYS, RunStoreKeys};
use harness::choice::BrokerChoice;
use harness::run::{Verdict, run_scenario};
use mock_provider::MockProvider;
use reference_impl::Keyring;
use secrecy::ExposeSecret;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

const ALICE: &str = "alice@example.com";
const READ_AND_SEND: [&str; 2] = [
    "https://www.googleapis.com/auth/gmail.readonly",
    "https://www.googleapis.com/auth/gmail.send",
];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A mock on 127.0.0.1 whose alice consented to read and send mail.
async fn mock() -> MockProvider {
    MockProvider::builder()
        .account(ALICE)
        .scopes(READ_AND_SEND)
        .start()
        .await
}

/// What a run would hand instance 0 for `provider`.
fn env_for(provider: &MockProvider, store: &str) -> BrokerEnv {
    let base = provider.uri();
    BrokerEnv {
        instance: 0,
        seed: 5,
        clock: Arc::new(reference_impl::SystemClock),
        transport: Arc::new(reference_impl::ReqwestTransport::new()),
        token_url: provider.token_url(),
        auth_url: format!("{base}/o/oauth2/v2/auth"),
        revoke_url: format!("{base}/revoke"),
        gmail_base: format!("{base}/gmail/v1"),
        client_id: provider.client_id().to_owned(),
        client_secret: provider.client_secret(),
        scopes: READ_AND_SEND.iter().map(|s| (*s).to_owned()).collect(),
        accounts: vec![(
            ALICE.to_owned(),
            provider.refresh_token(ALICE).expect("alice consented"),
        )],
        store: store.to_owned(),
        shared: RunShared::default(),
        redirect_url: provider.redirect_uri(),
        http_timeout: std::time::Duration::from_secs(30),
    }
}

async fn reference_process(env: BrokerEnv) -> Arc<dyn BrokerInstance> {
    ProcessBroker::reference_at(support::reference_broker_binary())
        .build(env)
        .await
        .expect("reference-broker initializes")
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[test]
fn the_reference_broker_process_syncs_lists_and_sends_over_the_protocol() {
    runtime().block_on(async {
        let provider = mock().await;
        let broker = reference_process(env_for(&provider, "memory")).await;
        let capabilities = harness::broker::Capabilities::of(&*broker);
        assert!(capabilities.gmail && capabilities.authorization && capabilities.status);

        broker.mail_or_refusal().sync(ALICE).await.expect("a full sync");
        let at_gmail: Vec<String> = provider.mailbox(ALICE).into_iter().map(|m| m.id).collect();
        assert!(!at_gmail.is_empty(), "the mock's mailbox has mail");
        let stored = broker.mail_or_refusal().synced_ids(ALICE).await.expect("stored ids");
        assert_eq!(sorted(stored), sorted(at_gmail.clone()));

        let raw = b"From: alice@example.com\r\nTo: bob@example.net\r\nSubject: over the wire\r\n\r\nhello\r\n";
        let message_id = broker.mail_or_refusal().send(ALICE, raw).await.expect("gmail acknowledged it");
        assert_eq!(
            provider.sent_message_ids(ALICE).get(&message_id),
            Some(&1),
            "{message_id} is in Sent once"
        );
        // The sent message is in the mailbox now; the next sync stores it.
        broker.mail_or_refusal().sync(ALICE).await.expect("a partial sync");
        let stored = broker.mail_or_refusal().synced_ids(ALICE).await.expect("stored ids");
        assert_eq!(stored.len(), at_gmail.len() + 1, "{stored:?}");
        broker.shutdown().await;
    });
}

#[test]
fn a_rejected_token_makes_the_process_refresh_and_serve_a_new_one() {
    runtime().block_on(async {
        let provider = mock().await;
        let broker = reference_process(env_for(&provider, "memory")).await;
        let first = broker.access_token(ALICE, None).await.expect("a token");
        let again = broker.access_token(ALICE, None).await.expect("a token");
        assert_eq!(first.expose_secret(), again.expose_secret(), "cached");
        provider.invalidate_access_tokens(ALICE);
        let fresh = broker
            .access_token(ALICE, Some(&first))
            .await
            .expect("a refreshed token");
        assert_ne!(first.expose_secret(), fresh.expose_secret());
        broker.shutdown().await;
    });
}

#[test]
fn authorization_over_the_process_hands_out_a_pkce_url_and_rejects_a_forged_callback() {
    runtime().block_on(async {
        let provider = mock().await;
        let broker = reference_process(env_for(&provider, "memory")).await;
        let url = broker
            .authorization_or_refusal()
            .begin_authorization(ALICE)
            .await
            .expect("a url");
        assert!(url.starts_with(&format!("{}/o/oauth2/v2/auth?", provider.uri())));
        assert!(url.contains("code_challenge_method=S256") && url.contains("state="));
        let forged = format!(
            "{}?code=4/0forged&state=never-issued",
            provider.redirect_uri()
        );
        let failure = broker
            .authorization_or_refusal()
            .complete_authorization(&forged)
            .await
            .expect_err("a state the broker never issued");
        assert!(!failure.kind.is_broker_fault(), "{failure:?}");
        assert!(
            !failure.message.contains("4/0forged"),
            "{}",
            failure.message
        );
        broker.shutdown().await;
    });
}

/// A broker that declares `gmail` and answers each later call with the
/// next of `answers` (JSON `result` values); the script lives as long as
/// the returned folder.
fn scripted_gmail_broker(answers: &[&str]) -> (ProcessBroker, tempfile::TempDir) {
    let mut script = String::from(
        r#"read l; echo '{"jsonrpc":"2.0","id":1,"result":{"capabilities":["access_token","gmail"]}}'; "#,
    );
    for (index, answer) in answers.iter().enumerate() {
        let id = index + 2;
        script.push_str(&format!(
            r#"read l; echo '{{"jsonrpc":"2.0","id":{id},"result":{answer}}}'; "#
        ));
    }
    script.push_str("cat >/dev/null");
    let dir = tempfile::tempdir().expect("a scratch folder");
    let path = dir.path().join("broker.sh");
    std::fs::write(&path, script).expect("script written");
    let broker = ProcessBroker::command(format!("sh '{}'", path.display()))
        .with_call_timeout(Duration::from_secs(5));
    (broker, dir)
}

#[test]
fn level_4_answers_of_the_wrong_shape_are_protocol_failures() {
    runtime().block_on(async {
        let provider = mock().await;
        let (factory, _script) = scripted_gmail_broker(&[
            r#""synced""#,
            r#"{"ids":["a",7]}"#,
            r#"{"ids":"a,b"}"#,
            r#"{"id":"18c3"}"#,
        ]);
        let broker = factory
            .build(env_for(&provider, "memory"))
            .await
            .expect("initialize answered");
        let sync = broker
            .mail_or_refusal()
            .sync(ALICE)
            .await
            .expect_err("a string result");
        assert_eq!(sync.kind, FailureKind::Protocol, "{sync:?}");
        for _ in 0..2 {
            let ids = broker
                .mail_or_refusal()
                .synced_ids(ALICE)
                .await
                .expect_err("not strings");
            assert_eq!(ids.kind, FailureKind::Protocol, "{ids:?}");
            assert!(ids.message.contains("`ids`"), "{}", ids.message);
        }
        let send = broker
            .mail_or_refusal()
            .send(ALICE, b"Subject: x\r\n\r\ny")
            .await
            .expect_err("no message_id");
        assert_eq!(send.kind, FailureKind::Protocol, "{send:?}");
        assert!(send.message.contains("`message_id`"), "{}", send.message);
        broker.shutdown().await;
    });
}

#[test]
fn a_broker_without_gmail_gets_the_mail_invariants_as_unknown() {
    // python-minimal has no mail side: its mail steps are skipped and the
    // mail invariants are unknown (or the whole scenario is not applicable
    // where it declines the store); never passed.
    let broker = support::python_minimal();
    for file in [
        "gmail-sync-and-send-short-tokens.toml",
        "real-gmail-kill-9-with-sqlite-store.toml",
        "gmail-refresh-token-revoked-mid-sync.toml",
    ] {
        let (outcome, _) = support::run_file(file, &broker);
        if outcome.verdict == Verdict::NotApplicable {
            assert!(
                outcome
                    .note
                    .as_deref()
                    .unwrap_or_default()
                    .contains("store"),
                "{file}: {outcome:?}"
            );
            continue;
        }
        assert_eq!(outcome.verdict, Verdict::Unknown, "{file}: {outcome:#?}");
        let lost = outcome.judgement("no_lost_email").expect("checked");
        assert!(
            lost.reason().is_some_and(|r| r.contains("`gmail`")),
            "{file}: {lost:?}"
        );
    }
}

#[test]
fn a_sigkilled_process_over_a_sqlite_store_reads_back_its_sealed_grant_and_its_mail() {
    runtime().block_on(async {
        let provider = mock().await;
        // What a run provisions for `store = "sqlite"`: a file, and one
        // keyring the process gets in OAUTH_CHAOS_STORE_KEYS at every start.
        let dir = tempfile::tempdir().expect("a scratch folder");
        let store = format!("sqlite:{}", dir.path().join("broker.sqlite").display());
        let env = env_for(&provider, &store);
        env.shared
            .get_or_create(RUN_STORE_KEYS, || {
                RunStoreKeys(Keyring::generate_entry("test").into())
            })
            .expect("the run's keyring");
        let broker = reference_process(env).await;
        let before = broker.access_token(ALICE, None).await.expect("a token");
        broker
            .mail_or_refusal()
            .sync(ALICE)
            .await
            .expect("a full sync");
        let stored = sorted(
            broker
                .mail_or_refusal()
                .synced_ids(ALICE)
                .await
                .expect("ids"),
        );
        assert!(!stored.is_empty());

        broker
            .restart()
            .await
            .expect("killed and initialized again");
        let after = broker.access_token(ALICE, None).await.expect("a token");
        assert_eq!(
            before.expose_secret(),
            after.expose_secret(),
            "served from the unsealed grant, not a new refresh"
        );
        assert_eq!(provider.journal().refreshes().len(), 1);
        let kept = sorted(
            broker
                .mail_or_refusal()
                .synced_ids(ALICE)
                .await
                .expect("ids"),
        );
        assert_eq!(kept, stored, "the mailbox survived the SIGKILL");
        broker.shutdown().await;
    });
}

#[test]
fn crash_points_and_mailbox_faults_make_the_mail_invariants_unknown_for_a_process() {
    let text = r#"
name = "real-crash-sync-on-a-process"
description = "crash_sync and mail_store_fault need hooks a process has not got"
mode = "real"
duration = "1s"

[[timeline]]
at = "0s"
action.crash_sync = { account = "alice@example.com", at_point = 2 }

[[timeline]]
at = "500ms"
action.mail_store_fault = { failures = 1 }

[[timeline]]
at = "700ms"
action.sync = { account = "alice@example.com" }

[invariants]
no_lost_email = {}
"#;
    let path = PathBuf::from("real-crash-sync-on-a-process.toml");
    let scenario = harness::scenario::parse_scenario(text, &path).expect("parses");
    let needed = harness::run::needed_capabilities(&scenario);
    assert!(needed.gmail && needed.mail_hooks);

    let (outcome, _) =
        run_scenario(&path, &scenario, &support::reference_broker(), None).expect("runs");
    assert_eq!(outcome.verdict, Verdict::Unknown, "{outcome:#?}");
    let lost = outcome.judgement("no_lost_email").expect("checked");
    assert!(
        lost.reason().is_some_and(|r| r.contains("mail_hooks")),
        "{lost:?}"
    );

    let reference = BrokerChoice::parse("reference").expect("known broker");
    let (outcome, _) = run_scenario(&path, &scenario, &reference, None).expect("runs");
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
}
