//! The mock provider through `router()` in memory (`tower::ServiceExt::oneshot`,
//! full middleware: body read, inspection, fault check, handler, journal
//! entry), on a current-thread runtime. No socket: the provider's own cost
//! per request. The loopback figures come from `benches/loopback/compare.sh`.
//!
//! - `refresh_grant/fresh_provider`: the refresh grant, each sample on a new
//!   provider (so its journal holds at most that sample's requests);
//! - `refresh_grant/3_idle_faults`: the same with three faults mounted that
//!   never match (the price of fault evaluation);
//! - `refresh_grant/journal_1000000`: the same on a provider whose journal
//!   already holds 10^6 entries (discovery requests, which leave the token
//!   model alone), to show whether the journal slows the hot path; the
//!   target is within 10% of `fresh_provider`;
//! - `refresh_grant/long_lived_provider`: one provider for every sample,
//!   no prefill: the control for `journal_1000000`, whose token table also
//!   grows across samples;
//! - `code_exchange_pkce`: `authorization_code` with an S256 verifier (the
//!   authorization request that mints each code is not timed);
//! - `gmail_messages_get`: `GET /gmail/v1/users/me/messages/{id}` with a
//!   bearer token (format `full`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use benches::run_mode::sized;
use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::BodyExt;
use mock_provider::{DEFAULT_ACCOUNT, Endpoint, Fault, MockProvider};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use tokio::runtime::Runtime;
use tower::ServiceExt;

const GMAIL_READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
}

/// Sends `request` through the router; the status and the body.
async fn send(router: &Router, request: http::Request<Body>) -> (u16, bytes::Bytes) {
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.expect("body");
    (status, body.to_bytes())
}

fn form_post(path: &str, form: &str) -> http::Request<Body> {
    http::Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .expect("valid request")
}

fn refresh_form(provider: &MockProvider) -> String {
    let refresh = provider.refresh_token(DEFAULT_ACCOUNT).expect("seeded");
    serde_urlencoded::to_string([
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.expose_secret()),
        ("client_id", provider.client_id()),
        ("client_secret", provider.client_secret().expose_secret()),
    ])
    .expect("form encodes")
}

/// `iterations` refresh grants on `provider`.
fn refresh_grants(runtime: &Runtime, iterations: u64, provider: &MockProvider) -> Duration {
    let router = provider.router();
    let form = refresh_form(provider);
    runtime.block_on(async {
        let start = Instant::now();
        for _ in 0..iterations {
            let (status, body) = send(&router, form_post("/token", black_box(&form))).await;
            assert_eq!(status, 200);
            black_box(body);
        }
        start.elapsed()
    })
}

/// A provider whose journal already holds `entries` discovery requests.
fn with_journal(runtime: &Runtime, entries: usize) -> MockProvider {
    let provider = MockProvider::builder().build();
    let router = provider.router();
    runtime.block_on(async {
        for _ in 0..entries {
            let request = http::Request::get("/.well-known/openid-configuration")
                .body(Body::empty())
                .expect("valid request");
            let (status, _) = send(&router, request).await;
            assert_eq!(status, 200);
        }
    });
    provider
}

fn refresh_grant(c: &mut Criterion) {
    let runtime = runtime();
    let mut group = c.benchmark_group("refresh_grant");
    group.bench_function("fresh_provider", |b| {
        b.iter_custom(|n| refresh_grants(&runtime, n, &MockProvider::builder().build()));
    });

    let faulted = MockProvider::builder().build();
    for account in ["x@example.com", "y@example.com", "z@example.com"] {
        faulted
            .mount(Fault::on(Endpoint::Token).account(account).reset())
            .keep();
    }
    group.bench_function("3_idle_faults", |b| {
        b.iter_custom(|n| refresh_grants(&runtime, n, &faulted));
    });

    let prefill = sized(1_000_000, 1_000);
    let started = Instant::now();
    let full = with_journal(&runtime, prefill);
    println!(
        "journal prefilled with {prefill} discovery requests in {:.1?}; it holds {} entries",
        started.elapsed(),
        full.journal().len()
    );
    group.bench_function(format!("journal_{prefill}"), |b| {
        b.iter_custom(|n| refresh_grants(&runtime, n, &full));
    });
    println!("journal after the bench: {} entries", full.journal().len());
    drop(full);

    let long_lived = MockProvider::builder().build();
    group.bench_function("long_lived_provider", |b| {
        b.iter_custom(|n| refresh_grants(&runtime, n, &long_lived));
    });
    group.finish();
}

/// An authorization request with an S256 challenge; the code of the
/// redirect. A grant already exists and no `prompt=consent`, so the exchange
/// adds no refresh token (no grant eviction in the measurement).
async fn authorization_code(provider: &MockProvider, router: &Router, challenge: &str) -> String {
    let query = serde_urlencoded::to_string([
        ("client_id", provider.client_id()),
        ("redirect_uri", provider.redirect_uri().as_str()),
        ("response_type", "code"),
        ("scope", GMAIL_READONLY),
        ("access_type", "offline"),
        ("login_hint", DEFAULT_ACCOUNT),
        ("state", "bench-state"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ])
    .expect("query encodes");
    let request = http::Request::get(format!("/o/oauth2/v2/auth?{query}"))
        .body(Body::empty())
        .expect("valid request");
    let response = router.clone().oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), 302, "the mock consents and redirects");
    let location = response.headers()[http::header::LOCATION]
        .to_str()
        .expect("ascii location");
    let callback = url::Url::parse(location).expect("callback url");
    callback
        .query_pairs()
        .find(|(name, _)| name == "code")
        .map(|(_, code)| code.into_owned())
        .expect("the redirect carries a code")
}

fn code_exchange(c: &mut Criterion) {
    let runtime = runtime();
    let verifier = "bench-verifier-0123456789-0123456789-0123456789-abcdef";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let mut group = c.benchmark_group("code_exchange_pkce");
    group.bench_function("authorization_code", |b| {
        b.iter_custom(|n| {
            let provider = MockProvider::builder().build();
            let router = provider.router();
            let secret = provider.client_secret();
            runtime.block_on(async {
                let mut elapsed = Duration::ZERO;
                for _ in 0..n {
                    let code = authorization_code(&provider, &router, &challenge).await;
                    let form = serde_urlencoded::to_string([
                        ("grant_type", "authorization_code"),
                        ("code", code.as_str()),
                        ("redirect_uri", provider.redirect_uri().as_str()),
                        ("client_id", provider.client_id()),
                        ("client_secret", secret.expose_secret()),
                        ("code_verifier", verifier),
                    ])
                    .expect("form encodes");
                    let start = Instant::now();
                    let (status, body) = send(&router, form_post("/token", &form)).await;
                    elapsed += start.elapsed();
                    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                    black_box(body);
                }
                elapsed
            })
        });
    });
    group.finish();
}

fn gmail_messages_get(c: &mut Criterion) {
    let runtime = runtime();
    let mut group = c.benchmark_group("gmail_messages_get");
    group.bench_function("format_full", |b| {
        b.iter_custom(|n| {
            let provider = MockProvider::builder().build();
            let router = provider.router();
            let (status, body) =
                runtime.block_on(send(&router, form_post("/token", &refresh_form(&provider))));
            assert_eq!(status, 200);
            let answer: serde_json::Value = serde_json::from_slice(&body).expect("token json");
            let bearer = format!("Bearer {}", answer["access_token"].as_str().expect("token"));
            let id = provider.mailbox(DEFAULT_ACCOUNT)[0].id.clone();
            let path = format!("/gmail/v1/users/me/messages/{id}");
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..n {
                    let request = http::Request::get(&path)
                        .header(http::header::AUTHORIZATION, &bearer)
                        .body(Body::empty())
                        .expect("valid request");
                    let (status, body) = send(&router, request).await;
                    assert_eq!(status, 200);
                    black_box(body);
                }
                start.elapsed()
            })
        });
    });
    group.finish();
}

criterion_group!(benches, refresh_grant, code_exchange, gmail_messages_get);
criterion_main!(benches);
