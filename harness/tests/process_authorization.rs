//! Protocol level 3 over the process binding: `begin_authorization` and
//! `complete_authorization` reach the process and their answers come back.

mod support;

use harness::broker::{BrokerFactory, FailureKind, ProcessBroker};
use std::sync::Arc;
use std::time::Duration;

fn run(script: &str, test: impl AsyncFnOnce(Arc<dyn harness::broker::BrokerInstance>)) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let factory = ProcessBroker::command(format!("sh -c '{script}'"))
            .with_call_timeout(Duration::from_secs(5));
        let broker = factory
            .build(support::offline_env())
            .await
            .expect("initialize answered");
        test(broker.clone()).await;
        broker.shutdown().await;
    });
}

#[test]
fn a_process_declaring_authorization_gets_both_calls_and_its_answers_come_back() {
    let script = r#"read a; echo "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"capabilities\":[\"access_token\",\"authorization\"]}}"; read b; echo "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"url\":\"http://127.0.0.1:9/o/oauth2/v2/auth?state=s1\"}}"; read c; echo "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"account\":\"alice@example.com\"}}"; cat >/dev/null"#;
    run(script, async |broker| {
        assert!(harness::broker::Capabilities::of(&*broker).authorization);
        let url = broker
            .authorization_or_refusal()
            .begin_authorization("alice@example.com")
            .await
            .expect("a url");
        assert!(url.ends_with("state=s1"), "{url}");
        let account = broker
            .authorization_or_refusal()
            .complete_authorization("http://127.0.0.1/callback?code=c&state=s1")
            .await
            .expect("an account");
        assert_eq!(account, "alice@example.com");
    });
}

#[test]
fn an_authorization_answer_without_its_field_is_a_protocol_failure() {
    let script = r#"read a; echo "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"capabilities\":[\"access_token\",\"authorization\"]}}"; read b; echo "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"link\":\"x\"}}"; cat >/dev/null"#;
    run(script, async |broker| {
        let failure = broker
            .authorization_or_refusal()
            .begin_authorization("alice@example.com")
            .await
            .expect_err("no url");
        assert_eq!(failure.kind, FailureKind::Protocol);
        assert!(failure.message.contains("`url`"), "{}", failure.message);
    });
}
