//! Helpers shared by the integration tests.

use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use mock_provider::MockProvider;
use secrecy::ExposeSecret;
use serde_json::Value;
use tower::ServiceExt;

pub const ALICE: &str = "alice@example.com";
pub const READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
pub const SEND: &str = "https://www.googleapis.com/auth/gmail.send";

/// The form of a refresh-token grant for `account`'s seeded token.
pub fn refresh_body(provider: &MockProvider, account: &str) -> String {
    let refresh = provider.refresh_token(account).expect("seeded account");
    let secret = provider.client_secret();
    serde_urlencoded::to_string([
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.expose_secret()),
        ("client_id", provider.client_id()),
        ("client_secret", secret.expose_secret()),
    ])
    .expect("form")
}

pub fn refresh_request(provider: &MockProvider, account: &str) -> Request<Body> {
    Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(refresh_body(provider, account)))
        .expect("request")
}

/// A response read in memory: status, headers and body, or the body error.
pub struct InMemory {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: Result<Vec<u8>, String>,
}

impl InMemory {
    pub fn json(&self) -> Value {
        let body = self.body.as_ref().expect("a body");
        serde_json::from_slice(body).expect("json body")
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(self.body.as_ref().expect("a body")).into_owned()
    }
}

/// Sends `request` through `router()`, reading the body the way the
/// harness's in-memory transport does (a body error = a dropped connection).
pub async fn send(provider: &MockProvider, request: Request<Body>) -> InMemory {
    let response = provider
        .router()
        .oneshot(request)
        .await
        .expect("infallible");
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .map_err(|e| e.to_string());
    InMemory {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// A fresh access token for `account`, through the token endpoint.
pub async fn access_token(provider: &MockProvider, account: &str) -> String {
    let answer = send(provider, refresh_request(provider, account)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    answer.json()["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

pub fn get(path: &str, token: &str) -> Request<Body> {
    Request::get(path)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request")
}

pub fn post_json(path: &str, token: &str, body: &Value) -> Request<Body> {
    Request::post(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request")
}
