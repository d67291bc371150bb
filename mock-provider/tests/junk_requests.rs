//! Junk thrown at one provider through `router()`: whatever arrives, every
//! error in a part of the API that Google serves as JSON is JSON, nothing
//! panics or fails un-injected, and memory stays within the configured
//! bounds (journal and secret registry) however many requests come.

#[expect(dead_code, reason = "this file uses a subset of the shared helpers")]
mod common;

use axum::body::Body;
use common::{ALICE, access_token, refresh_body, send};
use http::Request;
use mock_provider::{Capacity, MockProvider};
use proptest::prelude::*;
use std::num::NonZeroUsize;

const JOURNAL: usize = 64;
const SECRETS: usize = 32;

/// How a path's errors must look, as docs/ADMIN_API.md and
/// shared/GOOGLE_FIDELITY.md say.
#[derive(Debug, PartialEq)]
enum Expected {
    GoogleApiJson,
    AdminJson,
    OAuthJson,
    /// Google's HTML pages: the consent page, unknown paths, wrong methods
    /// on OAuth endpoints.
    Html,
}

fn expected(method: &str, path: &str) -> Expected {
    let path = path.split('?').next().unwrap_or(path);
    if path.starts_with("/gmail/") {
        return Expected::GoogleApiJson;
    }
    if path == "/__admin" || path.starts_with("/__admin/") {
        return Expected::AdminJson;
    }
    let oauth = match path {
        "/token" | "/revoke" => method == "POST",
        "/tokeninfo"
        | "/.well-known/openid-configuration"
        | "/.well-known/oauth-authorization-server"
        | "/oauth2/v3/certs" => method == "GET" || method == "HEAD",
        _ => false,
    };
    if oauth {
        Expected::OAuthJson
    } else {
        Expected::Html
    }
}

fn provider() -> MockProvider {
    let bound = |n| Capacity::Bounded(NonZeroUsize::new(n).expect("nonzero"));
    MockProvider::builder()
        .scopes(["https://mail.google.com/"])
        .mailbox_size(3)
        .journal_capacity(bound(JOURNAL))
        .secret_capacity(bound(SECRETS))
        .access_tokens_per_grant(8)
        .build()
}

fn junk_request() -> impl Strategy<Value = (String, String, Option<String>, Vec<u8>, u8)> {
    let method = prop_oneof![
        Just("GET"),
        Just("POST"),
        Just("PUT"),
        Just("DELETE"),
        Just("PATCH"),
        Just("OPTIONS"),
        Just("HEAD"),
        Just("BREW")
    ]
    .prop_map(str::to_owned);
    let segment = prop_oneof![
        Just("me".to_owned()),
        Just(ALICE.to_owned()),
        Just("%ff".to_owned()),
        Just("%c3%28".to_owned()),
        Just("%00".to_owned()),
        "[a-z0-9]{0,8}",
        "(%[0-9a-f]{2}){1,4}",
    ];
    let path = prop_oneof![
        Just("/token".to_owned()),
        Just("/revoke".to_owned()),
        Just("/tokeninfo".to_owned()),
        Just("/.well-known/openid-configuration".to_owned()),
        Just("/oauth2/v3/certs".to_owned()),
        Just("/o/oauth2/v2/auth".to_owned()),
        "/[a-z_/.%0-9]{0,24}",
        (
            segment.clone(),
            prop_oneof![
                Just("profile"),
                Just("messages"),
                Just("history"),
                Just("messages/send"),
                Just("messages/x"),
                Just("drafts")
            ]
        )
            .prop_map(|(user, rest)| format!("/gmail/v1/users/{user}/{rest}")),
        segment
            .clone()
            .prop_map(|id| format!("/gmail/v1/users/me/messages/{id}")),
        prop_oneof![
            Just("faults"),
            Just("faults/1"),
            Just("lifecycle"),
            Just("clock"),
            Just("journal"),
            Just("secrets"),
            Just("accounts"),
            Just("nowhere")
        ]
        .prop_map(|p| format!("/__admin/{p}")),
        (
            segment.clone(),
            prop_oneof![
                Just(""),
                Just("/sent"),
                Just("/messages"),
                Just("/messages/x"),
                Just("/messages/x/labels")
            ]
        )
            .prop_map(|(account, rest)| format!("/__admin/mailboxes/{account}{rest}")),
    ];
    let query = prop_oneof![Just(String::new()), "[a-zA-Z_=&%0-9.-]{0,30}"];
    let authorization = proptest::option::of(prop_oneof![
        "Basic [A-Za-z0-9+/=]{0,24}",
        "Bearer [A-Za-z0-9._-]{0,24}",
        "[ -~]{0,20}"
    ]);
    let body = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..120),
        "(grant_type|refresh_token|client_id|client_secret|scope|code|token)=[a-z0-9%&=._/-]{0,30}".prop_map(String::into_bytes),
        r#"\{"(op|account|offset_ms|jump_ms|from|subject|to|labels|endpoint|times|every)":("[ -~]{0,10}"|-?[0-9]{1,20}|\[\]|\{\}|null)\}"#.prop_map(String::into_bytes),
    ];
    // 0..=3: a refresh first (issues tokens, so the registry fills); 4: a valid bearer token.
    let extra = 0u8..8;
    (
        method,
        (path, query).prop_map(|(p, q)| if q.is_empty() { p } else { format!("{p}?{q}") }),
        authorization,
        body,
        extra,
    )
}

fn config() -> ProptestConfig {
    // `PROPTEST_CASES=N` runs a large batch (see docs/PERFORMANCE.md).
    if std::env::var_os("PROPTEST_CASES").is_some() {
        ProptestConfig::default()
    } else {
        ProptestConfig::with_cases(32)
    }
}

proptest! {
    #![proptest_config(config())]

    /// Up to 200 junk requests against one provider per case.
    #[test]
    fn junk_gets_json_errors_where_google_answers_json_and_memory_stays_bounded(
        requests in proptest::collection::vec(junk_request(), 1..200)
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let provider = provider();
            let configured = provider.secrets().len();
            for (method, uri, authorization, body, extra) in requests {
                if extra < 4 {
                    let refresh = Request::post("/token")
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(Body::from(refresh_body(&provider, ALICE)))
                        .unwrap();
                    send(&provider, refresh).await;
                }
                let mut request = Request::builder().method(method.as_str()).uri(uri.as_str());
                if extra == 4 {
                    let token = access_token(&provider, ALICE).await;
                    request = request.header("authorization", format!("Bearer {token}"));
                } else if let Some(value) = authorization {
                    request = request.header("authorization", value);
                }
                // Some generated URIs are not valid HTTP; those cannot reach a server.
                let Ok(request) = request.body(Body::from(body)) else { continue };
                let answer = send(&provider, request).await;

                prop_assert!(provider.journal().len() <= JOURNAL, "journal over its capacity");
                prop_assert_eq!(provider.journal().dropped() + provider.journal().len() as u64, provider.journal().total());
                prop_assert!(provider.secrets().len() <= SECRETS + configured, "registry over its capacity");
                // A random admin request could mount a fault; then answers are injected ones.
                if provider.mounted_faults() > 0 {
                    continue;
                }
                prop_assert!(answer.body.is_ok(), "{} {}: the body failed", method, uri);
                let status = answer.status.as_u16();
                prop_assert!(status < 500, "{} {} -> {}: {}", method, uri, status, answer.text());
                if status < 400 || method == "HEAD" {
                    continue;
                }
                let content_type = answer.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                let json: Option<serde_json::Value> = answer.body.as_ref().ok().and_then(|b| serde_json::from_slice(b).ok());
                match expected(&method, &uri) {
                    Expected::Html => prop_assert!(content_type.starts_with("text/html"), "{} {} -> {} {}", method, uri, status, content_type),
                    shape => {
                        prop_assert!(content_type.starts_with("application/json"), "{} {} -> {} {}: {}", method, uri, status, content_type, answer.text());
                        prop_assert!(json.is_some(), "{} {}: not JSON: {}", method, uri, answer.text());
                        let json = json.unwrap_or_default();
                        match shape {
                            Expected::GoogleApiJson => prop_assert_eq!(&json["error"]["code"], status, "{} {}", method, uri),
                            _ => prop_assert!(json["error"].is_string(), "{} {}: {}", method, uri, json),
                        }
                    }
                }
            }
            Ok(())
        })?;
    }
}
