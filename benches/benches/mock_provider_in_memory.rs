//! The mock provider's refresh grant through `router()` in memory: middleware
//! (body read, inspection, fault check, journal) plus the token handler.
//! No socket, so this is the provider's own cost per request; the loopback
//! figure is in docs/PERFORMANCE.md (scripts/loadtest.sh).

use std::hint::black_box;

use axum::body::Body;
use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::BodyExt;
use mock_provider::{Endpoint, Fault, MockProvider};
use secrecy::ExposeSecret;
use tower::ServiceExt;

fn refresh_form(provider: &MockProvider) -> String {
    let refresh = provider.refresh_token("alice@example.com").expect("seeded");
    let secret = provider.client_secret();
    serde_urlencoded::to_string([
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.expose_secret()),
        ("client_id", provider.client_id()),
        ("client_secret", secret.expose_secret()),
    ])
    .expect("form encodes")
}

async fn refresh_once(router: axum::Router, form: String) -> usize {
    let request = http::Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .expect("valid request");
    let response = router.oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), 200);
    response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .len()
}

fn refresh_grant(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("mock_refresh_grant");

    let provider = MockProvider::builder().build();
    let router = provider.router();
    let form = refresh_form(&provider);
    group.bench_function("router_oneshot", |b| {
        b.to_async(&runtime)
            .iter(|| refresh_once(router.clone(), black_box(form.clone())));
    });

    // The same with three faults mounted that never match: the cost of
    // fault evaluation on the hot path.
    let faulted = MockProvider::builder().build();
    for account in ["x@example.com", "y@example.com", "z@example.com"] {
        faulted
            .mount(Fault::on(Endpoint::Token).account(account).reset())
            .keep();
    }
    let faulted_router = faulted.router();
    let faulted_form = refresh_form(&faulted);
    group.bench_function("router_oneshot_3_idle_faults", |b| {
        b.to_async(&runtime)
            .iter(|| refresh_once(faulted_router.clone(), black_box(faulted_form.clone())));
    });
    group.finish();
}

criterion_group!(benches, refresh_grant);
criterion_main!(benches);
