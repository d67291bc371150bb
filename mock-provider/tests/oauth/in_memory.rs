//! The same flow through `router()` with no socket, as the harness drives it
//! in sim mode.

use crate::common::{GMAIL_READONLY, VERIFIER, s256};
use axum::body::Body;
use http::Request;
use http_body_util::BodyExt;
use mock_provider::{IN_MEMORY_URI, MockProvider};
use secrecy::ExposeSecret;
use tower::ServiceExt;

async fn call(provider: &MockProvider, request: Request<Body>) -> (u16, http::HeaderMap, String) {
    let response = provider
        .router()
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn the_code_flow_works_through_the_router_without_a_socket() {
    let provider = MockProvider::builder().build();
    assert_eq!(provider.issuer(), IN_MEMORY_URI);
    let redirect_uri = provider.redirect_uri();
    let challenge = s256(VERIFIER);
    let query = serde_urlencoded::to_string([
        ("client_id", provider.client_id()),
        ("redirect_uri", redirect_uri.as_str()),
        ("response_type", "code"),
        ("scope", GMAIL_READONLY),
        ("access_type", "offline"),
        ("prompt", "consent"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ])
    .expect("query");
    let (status, headers, _) = call(
        &provider,
        Request::get(format!("/o/oauth2/v2/auth?{query}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, 302);
    let location = url::Url::parse(headers["location"].to_str().expect("ascii")).expect("url");
    let params: std::collections::BTreeMap<String, String> =
        location.query_pairs().into_owned().collect();
    assert_eq!(params["iss"], IN_MEMORY_URI);

    let secret = provider.client_secret();
    let form = serde_urlencoded::to_string([
        ("grant_type", "authorization_code"),
        ("code", params["code"].as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("code_verifier", VERIFIER),
        ("client_id", provider.client_id()),
        ("client_secret", secret.expose_secret()),
    ])
    .expect("form");
    let (status, _, body) = call(
        &provider,
        Request::post("/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .expect("request"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert!(
        json["refresh_token"]
            .as_str()
            .expect("offline")
            .starts_with("1//")
    );
    assert_eq!(provider.journal().len(), 2);
}
