//! Malformed requests get Google-shaped or RFC 6749 §5.2 errors with the
//! right status: never a panic, never a 5xx nobody injected.

#[expect(dead_code, reason = "this file uses a subset of the shared helpers")]
mod common;

use axum::body::Body;
use common::{ALICE, access_token, refresh_body, send};
use http::{Request, StatusCode};
use mock_provider::MockProvider;
use proptest::prelude::*;

fn token_request(body: impl Into<Body>) -> Request<Body> {
    Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.into())
        .expect("request")
}

#[tokio::test]
async fn malformed_token_requests_get_rfc_6749_errors() {
    let provider = MockProvider::builder().build();
    let good = refresh_body(&provider, ALICE);
    let cases: Vec<(&str, Request<Body>, StatusCode, &str)> = vec![
        (
            // Decoded leniently; with no grant_type, Google's first check
            // (grant_type before the client) answers.
            "bad form encoding",
            token_request(vec![0xff, 0xfe, b'=', 0x80]),
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            "duplicated parameter",
            token_request(format!("{good}&grant_type=refresh_token")),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "missing grant_type",
            token_request(good.replace("grant_type=refresh_token&", "")),
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            "bad basic header",
            Request::post("/token")
                .header("authorization", "Basic !!!notbase64")
                .body(Body::from(good.clone()))
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "oversize body",
            token_request(vec![b'a'; 70 * 1024]),
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
        ),
    ];
    for (what, request, status, code) in cases {
        let answer = send(&provider, request).await;
        assert_eq!(answer.status, status, "{what}: {}", answer.text());
        assert_eq!(answer.json()["error"], code, "{what}");
    }
}

#[tokio::test]
async fn wrong_methods_and_unknown_paths_get_googles_404() {
    let provider = MockProvider::builder().build();
    for (method, path) in [
        ("GET", "/token"),
        ("PUT", "/token"),
        ("GET", "/nowhere"),
        ("DELETE", "/gmail/v1/users/me/profile"),
    ] {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap();
        let answer = send(&provider, request).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{method} {path}");
    }
}

#[tokio::test]
async fn bad_gmail_parameters_get_400_invalid_argument() {
    let provider = MockProvider::builder().build();
    let token = access_token(&provider, ALICE).await;
    for path in [
        "/gmail/v1/users/me/messages?maxResults=many",
        "/gmail/v1/users/me/messages?pageToken=%%%",
        "/gmail/v1/users/me/history?startHistoryId=-1",
    ] {
        let answer = send(&provider, common::get(path, &token)).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            answer.text()
        );
        assert_eq!(answer.json()["error"]["code"], 400);
    }
}

fn arbitrary_request() -> impl Strategy<Value = (String, String, Option<String>, Vec<u8>, bool)> {
    let method = prop_oneof![
        Just("GET"),
        Just("POST"),
        Just("PUT"),
        Just("DELETE"),
        Just("PATCH"),
        Just("OPTIONS")
    ]
    .prop_map(str::to_owned);
    let path = prop_oneof![
        Just("/token".to_owned()),
        "/[a-z_/.]{0,24}",
        "/gmail/v1/users/(me|alice@example.com|[a-z]{1,6})/(profile|messages|history|messages/send|messages/[a-f0-9]{0,16})",
        "/__admin/(faults|faults/[0-9]{1,3}|lifecycle|clock|journal|secrets|accounts|mailboxes/alice@example.com/messages)",
    ];
    let query = "[a-zA-Z_=&%0-9.-]{0,40}";
    let authorization = proptest::option::of(prop_oneof![
        "Basic [A-Za-z0-9+/=]{0,24}",
        "Bearer [A-Za-z0-9._-]{0,24}",
        "[ -~]{0,20}",
    ]);
    let body = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        "(grant_type|refresh_token|client_id|client_secret|scope|code)=[a-z0-9%&=._/-]{0,30}"
            .prop_map(String::into_bytes),
        r#"\{"(raw|action|op|offset_ms|jump_ms|from|subject)":("[ -~]{0,10}"|[0-9]{1,4}|\{\})\}"#
            .prop_map(String::into_bytes),
    ];
    (
        method,
        (path, query).prop_map(|(p, q)| if q.is_empty() { p } else { format!("{p}?{q}") }),
        authorization,
        body,
        any::<bool>(),
    )
}

fn config() -> ProptestConfig {
    // `PROPTEST_CASES=N` runs a large batch (see docs/PERFORMANCE.md).
    if std::env::var_os("PROPTEST_CASES").is_some() {
        ProptestConfig::default()
    } else {
        ProptestConfig::with_cases(64)
    }
}

proptest! {
    #![proptest_config(config())]

    /// A short sequence per case, so state one request leaves (a clock jump,
    /// a deleted message, a revoked grant) meets the next.
    #[test]
    fn random_requests_never_panic_or_get_an_uninjected_5xx(
        requests in proptest::collection::vec(arbitrary_request(), 1..4)
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let provider = MockProvider::builder()
                .scopes(["https://mail.google.com/"])
                .mailbox_size(3)
                .build();
            for (method, uri, authorization, body, with_valid_token) in requests {
                let mut request = Request::builder().method(method.as_str()).uri(uri.as_str());
                if with_valid_token {
                    let token = access_token(&provider, ALICE).await;
                    request = request.header("authorization", format!("Bearer {token}"));
                } else if let Some(value) = authorization {
                    request = request.header("authorization", value);
                }
                // Some generated URIs are not valid HTTP; those cannot reach a server.
                let Ok(request) = request.body(Body::from(body)) else { continue };
                let answer = send(&provider, request).await;
                // A random admin request could in principle mount a fault; then
                // failures would be injected ones.
                if provider.mounted_faults() == 0 {
                    prop_assert!(answer.body.is_ok(), "{method} {uri}: no fault was mounted, yet the body failed");
                    prop_assert!(answer.status.as_u16() < 500, "{method} {uri} -> {}: {}", answer.status, answer.text());
                }
            }
            Ok(())
        })?;
    }
}
