//! The sync engine gets its tokens from the reference `TokenBroker` through the
//! `TokenSource` impl: a working grant syncs, a revoked grant stops with needs-reauth.

#[expect(
    dead_code,
    reason = "shared support; each test binary uses a part of it"
)]
mod support;

use std::sync::Arc;

use reference_impl::{
    BrokerConfig, MailboxStore, MemoryMailbox, MemoryStore, RefreshToken, ReqwestTransport,
    SyncEngine, SyncError, SystemClock, TokenBroker,
};
use support::fake_gmail::{FakeGmail, InMemoryGmail};
use support::{ACCOUNT, FixedClock, small_config};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn broker_answering(response: ResponseTemplate) -> (MockServer, TokenBroker) {
    let google = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(response)
        .mount(&google)
        .await;
    let config = BrokerConfig::new(
        format!("{}/token", google.uri()),
        "client-id",
        "client-secret",
    );
    let broker = TokenBroker::new(
        config,
        Arc::new(SystemClock),
        Arc::new(ReqwestTransport::new()),
        Arc::new(MemoryStore::new()),
    )
    .unwrap();
    broker
        .add_account(ACCOUNT, RefreshToken::new("1//refresh"))
        .await;
    (google, broker)
}

fn engine(gmail: &FakeGmail, broker: TokenBroker, store: &MemoryMailbox) -> SyncEngine {
    SyncEngine::new(
        small_config("w"),
        Arc::new(FixedClock),
        Arc::new(InMemoryGmail::new(gmail)),
        Arc::new(broker),
        Arc::new(store.clone()),
    )
    .unwrap()
}

#[tokio::test]
async fn the_token_broker_supplies_the_tokens_a_sync_uses() {
    let body = serde_json::json!({"access_token": "ya29.from-broker", "expires_in": 3599, "token_type": "Bearer"});
    let (_google, broker) = broker_answering(ResponseTemplate::new(200).set_body_json(body)).await;
    let gmail = FakeGmail::with_messages(50, 9);
    let store = MemoryMailbox::new();
    engine(&gmail, broker, &store).sync(ACCOUNT).await.unwrap();
    assert_eq!(store.messages(ACCOUNT).await.unwrap(), gmail.snapshot());
}

#[tokio::test]
async fn a_grant_the_provider_revoked_stops_the_sync_with_needs_reauth() {
    let body = serde_json::json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."});
    let (_google, broker) = broker_answering(ResponseTemplate::new(400).set_body_json(body)).await;
    let gmail = FakeGmail::with_messages(51, 3);
    let store = MemoryMailbox::new();
    let error = engine(&gmail, broker, &store)
        .sync(ACCOUNT)
        .await
        .unwrap_err();
    assert!(matches!(error, SyncError::NeedsReauth { .. }), "{error:?}");
    assert!(store.messages(ACCOUNT).await.unwrap().is_empty());
}
