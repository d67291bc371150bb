use std::time::Duration;

use crate::support::{
    ACCESS_TOKEN, CLIENT_SECRET, ManualClock, fixture, google_token, refresh_request,
};
use reference_impl::{
    AccountState, MemoryStore, RefreshToken, ReqwestTransport, StoredGrant, TokenBroker,
};
use wiremock::matchers::body_string_contains;

#[tokio::test]
async fn a_cached_token_is_served_without_a_second_request() {
    let f = fixture().await;
    refresh_request()
        .respond_with(google_token(ACCESS_TOKEN))
        .expect(1)
        .mount(&f.server)
        .await;

    let first = f.broker.access_token("alice").await.unwrap();
    f.clock.advance(Duration::from_secs(60));
    let second = f.broker.access_token("alice").await.unwrap();

    assert_eq!(first.expose_secret(), ACCESS_TOKEN);
    assert_eq!(second.expose_secret(), ACCESS_TOKEN);
    assert_eq!(f.broker.status()[0].state, AccountState::Ok);
    f.server.verify().await;
}

#[tokio::test]
async fn the_refresh_sends_client_credentials_in_the_body() {
    let f = fixture().await;
    refresh_request()
        .and(body_string_contains("client_id=client-id"))
        .and(body_string_contains(format!(
            "client_secret={CLIENT_SECRET}"
        )))
        .and(body_string_contains(
            "refresh_token=1%2F%2Frefresh-token-alice",
        ))
        .respond_with(google_token(ACCESS_TOKEN))
        .expect(1)
        .mount(&f.server)
        .await;

    f.broker.access_token("alice").await.unwrap();
    let requests = f.server.received_requests().await.unwrap();
    assert!(requests[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn a_token_is_refreshed_once_it_is_within_the_buffer() {
    let f = fixture().await;
    refresh_request()
        .respond_with(google_token("ya29.first"))
        .up_to_n_times(1)
        .mount(&f.server)
        .await;
    refresh_request()
        .respond_with(google_token("ya29.second"))
        .mount(&f.server)
        .await;
    f.broker.access_token("alice").await.unwrap();

    // 3599 s lifetime, 300 s buffer: still cached one second before the refresh point.
    f.clock.advance(Duration::from_secs(3599 - 300 - 1));
    assert_eq!(
        f.broker
            .access_token("alice")
            .await
            .unwrap()
            .expose_secret(),
        "ya29.first"
    );
    f.clock.advance(Duration::from_secs(1));
    assert_eq!(
        f.broker
            .access_token("alice")
            .await
            .unwrap()
            .expose_secret(),
        "ya29.second"
    );

    assert_eq!(f.server.received_requests().await.unwrap().len(), 2);
    let stored = f.store.get("alice").unwrap();
    assert_eq!(stored.access_token.unwrap().expose_secret(), "ya29.second");
    assert_eq!(stored.version, 3, "consent wrote 1, each refresh adds one");
}

#[tokio::test]
async fn an_account_seeded_only_in_the_store_is_refreshed_on_first_use() {
    let f = fixture().await;
    refresh_request()
        .respond_with(google_token(ACCESS_TOKEN))
        .expect(1)
        .mount(&f.server)
        .await;
    let store = MemoryStore::new();
    store.insert("bob", StoredGrant::new(7, RefreshToken::new("1//bob")));
    let store = std::sync::Arc::new(store);
    let config = reference_impl::BrokerConfig::new(
        format!("{}/token", f.server.uri()),
        "client-id",
        CLIENT_SECRET,
    );
    let broker = TokenBroker::new(
        config,
        ManualClock::new(),
        std::sync::Arc::new(ReqwestTransport::new()),
        store.clone(),
    )
    .unwrap();

    assert_eq!(
        broker.access_token("bob").await.unwrap().expose_secret(),
        ACCESS_TOKEN
    );
    assert_eq!(store.get("bob").unwrap().version, 8);
    assert!(
        broker
            .access_token("carol")
            .await
            .is_err_and(|e| e.kind() == reference_impl::ErrorKind::UnknownAccount)
    );
}

#[tokio::test]
async fn a_failed_store_write_keeps_serving_from_memory_and_reports_degraded() {
    let f = fixture().await;
    refresh_request()
        .respond_with(google_token(ACCESS_TOKEN))
        .expect(1)
        .mount(&f.server)
        .await;
    f.store.set_unavailable(true);

    assert_eq!(
        f.broker
            .access_token("alice")
            .await
            .unwrap()
            .expose_secret(),
        ACCESS_TOKEN
    );
    assert_eq!(
        f.broker
            .access_token("alice")
            .await
            .unwrap()
            .expose_secret(),
        ACCESS_TOKEN
    );
    assert_eq!(f.broker.status()[0].state, AccountState::Degraded);
}
