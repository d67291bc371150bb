//! The journal flags a request whose URL carries a secret on every
//! endpoint, however it is embedded: whole or inside a longer query value,
//! split by `/` across path segments, percent-encoded. Process brokers'
//! URLs are judged by this flag alone (the harness never sees them).

use axum::body::Body;
use http::Request;
use mock_provider::MockProvider;
use secrecy::ExposeSecret;
use tower::ServiceExt;

const ALICE: &str = "alice@example.com";

async fn flagged(provider: &MockProvider, uri: &str) -> bool {
    let request = Request::get(uri).body(Body::empty()).expect("a request");
    let _ = provider.router().oneshot(request).await;
    let entry = provider.journal().entries().pop().expect("journaled");
    assert!(
        !serde_json::to_string(&entry)
            .expect("json")
            .contains("1//0"),
        "the journal never holds the secret"
    );
    entry.request.url_secret
}

fn provider() -> (MockProvider, String) {
    let provider = MockProvider::builder().account(ALICE).build();
    let refresh = provider
        .refresh_token(ALICE)
        .expect("a consented account")
        .expose_secret()
        .to_owned();
    (provider, refresh)
}

#[tokio::test]
async fn a_secret_inside_a_query_value_is_flagged_on_every_endpoint() {
    let (provider, refresh) = provider();
    let encoded = serde_urlencoded::to_string([("q", format!("debug:{refresh}:end"))]).unwrap();
    for path in [
        "/tokeninfo",
        "/revoke",
        "/gmail/v1/users/me/profile",
        "/gmail/v1/users/me/messages",
        "/.well-known/openid-configuration",
        "/no/such/path",
    ] {
        assert!(
            flagged(&provider, &format!("{path}?{encoded}")).await,
            "{path}"
        );
    }
    assert!(!flagged(&provider, "/gmail/v1/users/me/messages?q=in:inbox").await);
}

#[tokio::test]
async fn a_refresh_token_in_the_path_is_flagged_raw_or_percent_encoded() {
    let (provider, refresh) = provider();
    let raw = format!("/gmail/v1/users/me/messages/{refresh}");
    assert!(flagged(&provider, &raw).await, "split by its slashes");
    let escaped = refresh.replace('/', "%2F");
    let encoded = format!("/gmail/v1/users/me/messages/{escaped}");
    assert!(flagged(&provider, &encoded).await, "percent-encoded");
}

#[tokio::test]
async fn the_client_secret_and_credential_parameters_are_flagged() {
    let (provider, _) = provider();
    let secret = provider.client_secret().expose_secret().to_owned();
    assert!(flagged(&provider, &format!("/tokeninfo?note=x{secret}")).await);
    assert!(flagged(&provider, "/tokeninfo?access_token=whatever").await);
}
