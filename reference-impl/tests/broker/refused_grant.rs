//! A grant the provider refused (`invalid_grant`) is stored as a tombstone,
//! so another broker on the same store stops without sending it again;
//! `invalid_client` (the client's misconfiguration) stores none.

use std::sync::Arc;
use std::time::Duration;

use reference_impl::{BrokerConfig, MemoryStore, TokenBroker, TokenStore};

use crate::support::{CLIENT_SECRET, ScriptedTransport, TokioClock, json_response, sim_broker};

fn refusing(error: &'static str) -> Arc<ScriptedTransport> {
    ScriptedTransport::new(Duration::from_millis(5), move |_| {
        json_response(400, serde_json::json!({"error": error}))
    })
}

#[tokio::test(start_paused = true)]
async fn a_refused_grant_is_stored_dead_so_another_broker_never_sends_it() {
    let store = Arc::new(MemoryStore::new());
    let transport = refusing("invalid_grant");
    let first = sim_broker(transport.clone(), store.clone(), |c| c).await;
    first.access_token("alice").await.expect_err("refused");
    assert_eq!(transport.requests.lock().unwrap().len(), 1);
    let stored = store.load("alice").await.expect("load").expect("stored");
    assert_eq!(stored.refresh_token.expose_secret(), "", "a tombstone");

    // A second process on the same store, which never saw the refusal.
    let config =
        BrokerConfig::new("https://oauth2.example/token", "client-id", CLIENT_SECRET).with_seed(8);
    let second = TokenBroker::new(config, TokioClock::new(), transport.clone(), store).unwrap();
    second
        .access_token("alice")
        .await
        .expect_err("needs re-consent");
    assert_eq!(
        transport.requests.lock().unwrap().len(),
        1,
        "the dead grant was not sent again"
    );
}

#[tokio::test(start_paused = true)]
async fn a_refused_client_leaves_the_grant_in_the_store() {
    let store = Arc::new(MemoryStore::new());
    let broker = sim_broker(refusing("invalid_client"), store.clone(), |c| c).await;
    broker.access_token("alice").await.expect_err("refused");
    let stored = store.load("alice").await.expect("load").expect("stored");
    assert_eq!(
        stored.refresh_token.expose_secret(),
        crate::support::REFRESH_TOKEN,
        "the grant outlives a client fix"
    );
}

#[tokio::test(start_paused = true)]
async fn a_refused_account_another_process_reauthorized_is_served_again() {
    // The old refresh token is refused; the one the user consented to later
    // through the second process works.
    let transport = ScriptedTransport::new(Duration::from_millis(5), |request| {
        if String::from_utf8_lossy(request.body()).contains("refresh_token=1%2F%2Fconsented-again")
        {
            json_response(
                200,
                serde_json::json!({"access_token": "ya29.after-consent", "expires_in": 3599, "token_type": "Bearer"}),
            )
        } else {
            json_response(400, serde_json::json!({"error": "invalid_grant"}))
        }
    });
    let store = Arc::new(MemoryStore::new());
    let first = sim_broker(transport.clone(), store.clone(), |c| c).await;
    first.access_token("alice").await.expect_err("refused");
    let refusals = transport.count();

    let config =
        BrokerConfig::new("https://oauth2.example/token", "client-id", CLIENT_SECRET).with_seed(8);
    let second = TokenBroker::new(config, TokioClock::new(), transport.clone(), store).unwrap();
    second
        .add_account("alice", "1//consented-again".into())
        .await;

    let served = first.access_token("alice").await.expect("served again");
    assert_eq!(served.expose_secret(), "ya29.after-consent");
    let bodies = transport.requests.lock().unwrap().clone();
    assert!(
        bodies[refusals..]
            .iter()
            .all(|body| body.contains("consented-again")),
        "the refused refresh token was not sent again: {bodies:?}"
    );
}
