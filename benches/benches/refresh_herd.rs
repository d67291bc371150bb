//! Refresh under load, against an in-memory transport that answers like Google.
//!
//! - `herd/10000_callers_expired_token`: 10,000 tasks ask for one account whose token
//!   has expired; each iteration asserts that exactly one request reached the provider.
//! - `throughput/10000_accounts`: 10,000 accounts without tokens are fetched at once;
//!   refreshes per second = 10,000 / time per iteration. The token endpoint rate
//!   limit is raised out of the way (it would otherwise be the figure measured).

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::future::{BoxFuture, join_all};
use reference_impl::{
    BrokerConfig, Clock, HttpRequest, HttpResponse, HttpTransport, MemoryStore, RefreshToken,
    TokenBroker, TransportError,
};

/// Google's refresh answer, with a fresh token each time; counts requests.
#[derive(Debug, Default)]
struct GoogleLikeEndpoint {
    requests: AtomicU64,
}

impl HttpTransport for GoogleLikeEndpoint {
    fn send(
        &self,
        _request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        let body = format!(
            r#"{{"access_token":"ya29.bench-{n}","expires_in":3599,"scope":"https://www.googleapis.com/auth/gmail.readonly","token_type":"Bearer"}}"#
        );
        let response = http::Response::builder()
            .header("content-type", "application/json; charset=utf-8")
            .header(
                "cache-control",
                "no-cache, no-store, max-age=0, must-revalidate",
            )
            .body(body.into_bytes())
            .expect("static response is valid");
        Box::pin(async move { Ok(response) })
    }
}

/// A wall clock the bench moves forward to expire tokens.
#[derive(Debug)]
struct SteppedClock(Mutex<SystemTime>);

impl Clock for SteppedClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().expect("clock lock")
    }
}

fn broker(clock: Arc<SteppedClock>, endpoint: Arc<GoogleLikeEndpoint>) -> TokenBroker {
    let config = BrokerConfig::new("https://oauth2.example/token", "client-id", "client-secret")
        .with_token_endpoint_rate(1e12, u32::MAX);
    TokenBroker::new(config, clock, endpoint, Arc::new(MemoryStore::new())).expect("config")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("runtime")
}

fn herd(c: &mut Criterion) {
    let runtime = runtime();
    let clock = Arc::new(SteppedClock(Mutex::new(
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
    )));
    let endpoint = Arc::new(GoogleLikeEndpoint::default());
    let broker = broker(clock.clone(), endpoint.clone());
    runtime.block_on(broker.add_account("alice", RefreshToken::new("1//bench")));
    let mut group = c.benchmark_group("herd");
    group.sample_size(20);
    group.bench_function("10000_callers_expired_token", |b| {
        b.iter(|| {
            *clock.0.lock().expect("clock lock") += Duration::from_secs(3600);
            let before = endpoint.requests.load(Ordering::Relaxed);
            runtime.block_on(async {
                let callers = (0..10_000).map(|_| {
                    let broker = broker.clone();
                    tokio::spawn(async move { broker.access_token("alice").await })
                });
                for served in join_all(callers).await {
                    black_box(served.expect("task").expect("served"));
                }
            });
            let sent = endpoint.requests.load(Ordering::Relaxed) - before;
            assert_eq!(sent, 1, "exactly one refresh reaches the provider");
        });
    });
    group.finish();
}

fn throughput(c: &mut Criterion) {
    const ACCOUNTS: usize = 10_000;
    let runtime = runtime();
    let names: Vec<String> = (0..ACCOUNTS).map(|i| format!("account-{i}")).collect();
    let mut group = c.benchmark_group("throughput");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ACCOUNTS as u64));
    group.bench_function("10000_accounts", |b| {
        b.iter_batched(
            || {
                let clock = Arc::new(SteppedClock(Mutex::new(
                    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
                )));
                let broker = broker(clock, Arc::new(GoogleLikeEndpoint::default()));
                runtime.block_on(async {
                    for name in &names {
                        broker
                            .add_account(name, RefreshToken::new("1//bench"))
                            .await;
                    }
                });
                broker
            },
            |broker| {
                runtime.block_on(async {
                    let refreshes = names.iter().map(|name| {
                        let broker = broker.clone();
                        let name = name.clone();
                        tokio::spawn(async move { broker.access_token(&name).await })
                    });
                    for served in join_all(refreshes).await {
                        black_box(served.expect("task").expect("served"));
                    }
                });
            },
            criterion::BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, herd, throughput);
criterion_main!(benches);
