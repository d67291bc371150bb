//! Down-scoped tokens (`TokenBroker::access_token_scoped`) against the mock provider
//! over real HTTP on loopback.

use std::sync::Arc;

use futures::future::join_all;
use mock_provider::MockProvider;
use reference_impl::{
    BrokerConfig, BrokerError, MemoryStore, RefreshToken, ReqwestTransport, ServiceAccountGrant,
    ServiceAccountKey, SystemClock, TokenBroker,
};
use secrecy::ExposeSecret;

const ALICE: &str = "alice@example.com";
const READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
const SEND: &str = "https://www.googleapis.com/auth/gmail.send";
const ROBOT: &str = "robot@project.iam.gserviceaccount.com";
const PRIVATE_KEY: &str = include_str!("../../mock-provider/tests/keys/service_account.pem");
const PUBLIC_KEY: &[u8] = include_bytes!("../../mock-provider/tests/keys/service_account.pub.pem");

async fn provider() -> MockProvider {
    MockProvider::builder()
        .account(ALICE)
        .scopes([READONLY, SEND])
        .service_account(ROBOT, PUBLIC_KEY)
        .expect("a valid public key")
        .start()
        .await
}

async fn broker(provider: &MockProvider) -> TokenBroker {
    let config = BrokerConfig::new(
        provider.token_url(),
        provider.client_id(),
        provider.client_secret().expose_secret(),
    )
    .with_seed(5);
    let broker = TokenBroker::new(
        config,
        Arc::new(SystemClock),
        Arc::new(ReqwestTransport::new()),
        Arc::new(MemoryStore::new()),
    )
    .expect("valid urls");
    let refresh = provider.refresh_token(ALICE).expect("a seeded grant");
    broker
        .add_account(ALICE, RefreshToken::new(refresh.expose_secret()))
        .await;
    broker
}

/// The scope the provider recorded for `token` (its tokeninfo endpoint, which takes
/// the token in the query: a test-only look-up against the mock).
async fn scope_of(provider: &MockProvider, token: &reference_impl::AccessToken) -> String {
    let response = reqwest::Client::new()
        .get(provider.tokeninfo_url())
        .query(&[("access_token", token.expose_secret())])
        .send()
        .await
        .expect("tokeninfo answers");
    let body: serde_json::Value =
        serde_json::from_slice(&response.bytes().await.expect("body")).expect("json");
    body["scope"].as_str().unwrap_or_default().to_owned()
}

fn refreshes_with_scope(provider: &MockProvider) -> usize {
    provider
        .journal()
        .entries()
        .into_iter()
        .filter(|entry| entry.grant_type.as_deref() == Some("refresh_token"))
        .count()
}

#[tokio::test]
async fn fifty_callers_of_one_scope_set_share_one_narrowed_refresh() {
    let provider = provider().await;
    let broker = broker(&provider).await;
    let tokens = join_all((0..50).map(|_| broker.access_token_scoped(ALICE, &[READONLY]))).await;
    let first = tokens[0].as_ref().expect("a token");
    assert!(
        tokens
            .iter()
            .all(|t| t.as_ref().expect("a token").expose_secret() == first.expose_secret())
    );
    assert_eq!(refreshes_with_scope(&provider), 1);
    assert_eq!(scope_of(&provider, first).await, READONLY);

    // The account's own token is another one, with every granted scope.
    let full = broker.access_token(ALICE).await.expect("a token");
    assert_ne!(full.expose_secret(), first.expose_secret());
    let full_scope = scope_of(&provider, &full).await;
    assert!(
        full_scope.contains(SEND) && full_scope.contains(READONLY),
        "{full_scope}"
    );
    assert_eq!(refreshes_with_scope(&provider), 2);
}

#[tokio::test]
async fn a_scope_outside_the_grant_is_refused_without_a_request() {
    let provider = provider().await;
    let broker = broker(&provider).await;
    broker
        .access_token(ALICE)
        .await
        .expect("learns the granted scopes");
    let before = provider.journal().entries().len();
    let error = broker
        .access_token_scoped(ALICE, &["https://mail.google.com/"])
        .await
        .expect_err("not granted");
    assert!(
        matches!(&error, BrokerError::ScopeNotGranted { scope, .. } if scope == "https://mail.google.com/"),
        "{error:?}"
    );
    assert_eq!(provider.journal().entries().len(), before);
}

#[tokio::test]
async fn a_service_account_is_down_scoped_by_a_narrower_assertion() {
    let provider = provider().await;
    let broker = broker(&provider).await;
    let key = ServiceAccountKey::from_parts(ROBOT, None, PRIVATE_KEY).expect("rsa pem");
    broker
        .add_service_account("robot", ServiceAccountGrant::new(key, [READONLY, SEND]))
        .await;
    let narrow = broker
        .access_token_scoped("robot", &[SEND])
        .await
        .expect("a token");
    assert_eq!(scope_of(&provider, &narrow).await, SEND);
    let error = broker
        .access_token_scoped("robot", &["https://mail.google.com/"])
        .await
        .expect_err("outside the configured scopes");
    assert!(
        matches!(error, BrokerError::ScopeNotGranted { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_revoked_grant_fails_every_scope_set_and_the_account() {
    let provider = provider().await;
    let broker = broker(&provider).await;
    provider.revoke_account(ALICE);
    let error = broker
        .access_token_scoped(ALICE, &[READONLY])
        .await
        .expect_err("revoked");
    assert!(matches!(error, BrokerError::Revoked { .. }), "{error:?}");
    let account = broker
        .access_token(ALICE)
        .await
        .expect_err("the account too");
    assert!(
        matches!(account, BrokerError::NeedsReauth { .. }),
        "{account:?}"
    );
    let other = broker
        .access_token_scoped(ALICE, &[SEND])
        .await
        .expect_err("every scope set");
    assert!(
        matches!(other, BrokerError::NeedsReauth { .. }),
        "{other:?}"
    );
    assert_eq!(
        refreshes_with_scope(&provider),
        1,
        "no request after invalid_grant"
    );
}
