use std::sync::Arc;

use reference_impl::{
    AccountState, BrokerConfig, BrokerError, ErrorKind, ReqwestTransport, TokenBroker,
};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    ACCESS_TOKEN, CLIENT_SECRET, Fixture, REFRESH_TOKEN, fixture, google_error, google_token,
    refresh_request,
};

/// The standard fixture with `revoke_url` pointing at the same mock server.
pub(crate) async fn revocable() -> Fixture {
    let f = fixture().await;
    let config = BrokerConfig::new(
        format!("{}/token", f.server.uri()),
        "client-id",
        CLIENT_SECRET,
    )
    .with_revoke_url(format!("{}/revoke", f.server.uri()));
    let broker = TokenBroker::new(
        config,
        f.clock.clone(),
        Arc::new(ReqwestTransport::new()),
        f.store.clone(),
    )
    .unwrap();
    broker.add_account("alice", REFRESH_TOKEN.into()).await;
    Fixture { broker, ..f }
}

pub(crate) fn revoke_request() -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .and(body_string_contains("token=1%2F%2Frefresh-token-alice"))
}

#[tokio::test]
async fn revoke_posts_the_token_in_the_body_and_wipes_the_stored_grant() {
    let f = revocable().await;
    refresh_request()
        .respond_with(google_token(ACCESS_TOKEN))
        .expect(1)
        .mount(&f.server)
        .await;
    revoke_request()
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&f.server)
        .await;
    f.broker.access_token("alice").await.unwrap();

    f.broker.revoke("alice").await.unwrap();

    let stored = f.store.get("alice").unwrap();
    assert_eq!(stored.refresh_token.expose_secret(), "");
    assert!(stored.access_token.is_none());
    assert_eq!(f.broker.status()[0].state, AccountState::NeedsReauth);
    let after = f.broker.access_token("alice").await.unwrap_err();
    assert_eq!(after.kind(), ErrorKind::Revoked);
    let requests = f.server.received_requests().await.unwrap();
    assert!(
        requests.iter().all(|r| r.url.query().is_none()),
        "no token in a url"
    );
    f.server.verify().await;
}

#[tokio::test]
async fn googles_400_invalid_token_for_an_already_revoked_grant_counts_as_success() {
    let f = revocable().await;
    revoke_request()
        .respond_with(google_error(
            400,
            "invalid_token",
            "Token expired or revoked",
        ))
        .mount(&f.server)
        .await;
    f.broker.revoke("alice").await.unwrap();
    assert_eq!(
        f.store.get("alice").unwrap().refresh_token.expose_secret(),
        ""
    );
}

#[tokio::test]
async fn a_revoke_endpoint_outage_keeps_the_grant_so_revoke_can_be_retried() {
    let f = revocable().await;
    revoke_request()
        .respond_with(ResponseTemplate::new(503))
        .mount(&f.server)
        .await;
    let error = f.broker.revoke("alice").await.unwrap_err();
    assert!(matches!(
        error,
        BrokerError::ProviderUnavailable { status: 503, .. }
    ));
    assert_eq!(
        f.store.get("alice").unwrap().refresh_token.expose_secret(),
        REFRESH_TOKEN
    );
}

#[tokio::test]
async fn a_broker_loading_a_revoked_account_from_the_store_needs_reauth_and_sends_nothing() {
    let f = revocable().await;
    revoke_request()
        .respond_with(ResponseTemplate::new(200))
        .mount(&f.server)
        .await;
    f.broker.revoke("alice").await.unwrap();

    let server = MockServer::start().await;
    let config = BrokerConfig::new(format!("{}/token", server.uri()), "id", "secret");
    let other = TokenBroker::new(
        config,
        f.clock.clone(),
        Arc::new(ReqwestTransport::new()),
        f.store.clone(),
    )
    .unwrap();
    assert_eq!(
        other.access_token("alice").await.unwrap_err().kind(),
        ErrorKind::Revoked
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}
