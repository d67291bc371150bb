//! The cached `access_token()` path: token already cached, nothing sent, no lock.
//!
//! The cached path never awaits, so the future is polled exactly once with
//! `now_or_never` (no runtime, no waker). The clock is the real `SystemClock`, because
//! production pays for that read too.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use futures::FutureExt;
use futures::future::BoxFuture;
use reference_impl::{
    BrokerConfig, Clock, HttpRequest, HttpResponse, HttpTransport, MemoryStore, RefreshToken,
    SystemClock, TokenBroker, TransportError,
};

/// Answers every request with one Google-shaped token response.
#[derive(Debug)]
struct FixedTokenEndpoint;

impl HttpTransport for FixedTokenEndpoint {
    fn send(
        &self,
        _request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        let body = br#"{"access_token":"ya29.bench","expires_in":3599,"token_type":"Bearer"}"#;
        let response = http::Response::builder()
            .header("content-type", "application/json; charset=utf-8")
            .body(body.to_vec())
            .expect("static response is valid");
        Box::pin(async move { Ok(response) })
    }
}

fn primed_broker(accounts: usize) -> TokenBroker {
    let config = BrokerConfig::new("https://oauth2.example/token", "client-id", "client-secret");
    let broker = TokenBroker::new(
        config,
        Arc::new(SystemClock),
        Arc::new(FixedTokenEndpoint),
        Arc::new(MemoryStore::new()),
    )
    .expect("valid config");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        for index in 0..accounts {
            let account = if index == 0 {
                "a".to_owned()
            } else {
                format!("account-{index}")
            };
            broker
                .add_account(&account, RefreshToken::new("1//bench"))
                .await;
            broker
                .access_token(&account)
                .await
                .expect("priming refresh succeeds");
        }
    });
    broker
}

fn access_token_hot_path(c: &mut Criterion) {
    let mut group = c.benchmark_group("access_token_cached");
    for accounts in [1, 1_000] {
        let broker = primed_broker(accounts);
        group.bench_function(format!("async_now_or_never/{accounts}_accounts"), |b| {
            b.iter(|| {
                let token = broker.access_token(black_box("a")).now_or_never();
                black_box(token.expect("cached path never waits").expect("cached"))
            });
        });
        group.bench_function(
            format!("sync_cached_access_token/{accounts}_accounts"),
            |b| {
                b.iter(|| black_box(broker.cached_access_token(black_box("a")).expect("cached")));
            },
        );
    }
    // Baseline: the clock read every cached call pays for.
    group.bench_function("baseline_system_clock_now", |b| {
        b.iter(|| black_box(SystemClock.now()))
    });
    group.finish();
}

criterion_group!(benches, access_token_hot_path);
criterion_main!(benches);
