//! A cached token, side by side: the reference broker's `access_token()` (by
//! account name and through an `AccountHandle`) against yup-oauth2's
//! `token()`, in the same groups of the same run.
//!
//! Both were primed by one real refresh against the mock provider over
//! 127.0.0.1 (the reference broker through `ReqwestTransport`, yup-oauth2
//! through a plain `HttpConnector` with the mock as `token_uri` and a seeded
//! `TokenStorage`); after that neither sends anything.
//!
//! - `cached_token/*`: one task, every call `.await`ed in a loop (plus the
//!   handle's synchronous, lending `cached_access_token()`).
//! - `cached_token_contention/*/{N}_tasks`: N tasks on a 2-worker runtime
//!   share the iterations on one cached token; the figure is wall time per
//!   call over all tasks (so with two cores, perfect scaling halves it).

use std::future::Future;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use benches::yup::{self, GMAIL_READONLY, SeededStorage};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use mock_provider::{DEFAULT_ACCOUNT, MockProvider};
use reference_impl::{
    AccountHandle, BrokerConfig, MemoryStore, RefreshToken, ReqwestTransport, SystemClock,
    TokenBroker,
};
use secrecy::ExposeSecret;
use tokio::runtime::Runtime;

type YupAuthenticator = yup_oauth2::authenticator::Authenticator<HttpConnector>;

/// Task counts of the contention group.
const TASKS: [usize; 5] = [1, 2, 8, 64, 1024];

/// The three parties, each holding a cached token for the same account.
struct Primed {
    broker: TokenBroker,
    handle: AccountHandle,
    yup: YupAuthenticator,
    /// Keeps the mock (and its socket) alive for the bench's lifetime.
    _provider: MockProvider,
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

async fn primed() -> Primed {
    let provider = MockProvider::start().await;
    let refresh = provider
        .refresh_token(DEFAULT_ACCOUNT)
        .expect("seeded account");
    let secret = provider.client_secret();

    let config = BrokerConfig::new(
        provider.token_url(),
        provider.client_id(),
        secret.expose_secret(),
    );
    let broker = TokenBroker::new(
        config,
        Arc::new(SystemClock),
        Arc::new(ReqwestTransport::new()),
        Arc::new(MemoryStore::new()),
    )
    .expect("valid config");
    broker
        .add_account(DEFAULT_ACCOUNT, RefreshToken::new(refresh.expose_secret()))
        .await;
    broker
        .access_token(DEFAULT_ACCOUNT)
        .await
        .expect("the reference broker's priming refresh");
    let handle = broker
        .handle(DEFAULT_ACCOUNT)
        .await
        .expect("account exists");

    let client = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
    let application = yup::application_secret(
        &provider.token_url(),
        provider.client_id(),
        secret.expose_secret(),
    );
    let storage = SeededStorage::expired(&[GMAIL_READONLY], refresh.expose_secret());
    let yup = yup::authenticator(client, application, storage)
        .await
        .expect("yup-oauth2 authenticator");
    yup.token(&[GMAIL_READONLY])
        .await
        .expect("yup-oauth2's priming refresh");
    assert_eq!(
        provider.journal().refreshes().len(),
        2,
        "each party refreshed once to prime its cache"
    );
    Primed {
        broker,
        handle,
        yup,
        _provider: provider,
    }
}

/// One party's cached-token call, awaited the way its users await it.
trait CachedToken: Send + 'static {
    fn call(&mut self) -> impl Future<Output = ()> + Send + '_;
}

/// The reference broker by account name.
#[derive(Clone)]
struct ByName(TokenBroker);

impl CachedToken for ByName {
    async fn call(&mut self) {
        black_box(self.0.access_token(black_box(DEFAULT_ACCOUNT)).await).expect("cached");
    }
}

impl CachedToken for AccountHandle {
    async fn call(&mut self) {
        black_box(self.access_token().await).expect("cached");
    }
}

impl CachedToken for YupAuthenticator {
    async fn call(&mut self) {
        black_box(self.token(black_box(&[GMAIL_READONLY])).await).expect("cached");
    }
}

/// Times `iterations` awaited calls on the calling thread.
fn timed(runtime: &Runtime, iterations: u64, party: &mut impl CachedToken) -> Duration {
    runtime.block_on(async {
        let start = Instant::now();
        for _ in 0..iterations {
            party.call().await;
        }
        start.elapsed()
    })
}

fn cached_token(c: &mut Criterion) {
    let runtime = runtime();
    let primed = runtime.block_on(primed());
    let mut by_name = ByName(primed.broker.clone());
    let mut handle = primed.handle.clone();
    let mut yup = primed.yup.clone();
    let mut group = c.benchmark_group("cached_token");
    group.bench_function("reference_by_name", |b| {
        b.iter_custom(|n| timed(&runtime, n, &mut by_name));
    });
    group.bench_function("reference_by_handle", |b| {
        b.iter_custom(|n| timed(&runtime, n, &mut handle));
    });
    // The lending call the hot path can use instead: no owned token, so no
    // refcount; synchronous, so nothing to await.
    let mut lender = primed.handle.clone();
    group.bench_function("reference_by_handle_borrowed", |b| {
        b.iter(|| {
            black_box(
                lender
                    .cached_access_token()
                    .expect("cached")
                    .expose_secret()
                    .len(),
            )
        });
    });
    group.bench_function("yup_oauth2", |b| {
        b.iter_custom(|n| timed(&runtime, n, &mut yup));
    });
    group.finish();
}

/// Runs about `iterations` calls split over `tasks` tasks (each with its own
/// clone of `party`), all released at once; returns wall time scaled to
/// exactly `iterations` calls.
fn contended<P: CachedToken + Clone>(
    runtime: &Runtime,
    tasks: usize,
    iterations: u64,
    party: &P,
) -> Duration {
    let per_task = iterations.div_ceil(tasks as u64).max(1);
    let start_line = Arc::new(tokio::sync::Barrier::new(tasks + 1));
    let workers: Vec<_> = (0..tasks)
        .map(|_| {
            let mut party = party.clone();
            let start_line = Arc::clone(&start_line);
            runtime.spawn(async move {
                start_line.wait().await;
                for _ in 0..per_task {
                    party.call().await;
                }
            })
        })
        .collect();
    runtime.block_on(async {
        start_line.wait().await;
        let start = Instant::now();
        for worker in workers {
            worker.await.expect("bench task");
        }
        let elapsed = start.elapsed();
        elapsed.mul_f64(iterations as f64 / (per_task * tasks as u64) as f64)
    })
}

fn contention_case<P: CachedToken + Clone>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    runtime: &Runtime,
    name: &str,
    party: &P,
) {
    for tasks in TASKS {
        group.bench_with_input(
            BenchmarkId::new(name, format!("{tasks}_tasks")),
            &tasks,
            |b, &tasks| b.iter_custom(|n| contended(runtime, tasks, n, party)),
        );
    }
}

fn cached_token_contention(c: &mut Criterion) {
    let runtime = runtime();
    let primed = runtime.block_on(primed());
    let mut group = c.benchmark_group("cached_token_contention");
    contention_case(
        &mut group,
        &runtime,
        "reference_by_name",
        &ByName(primed.broker.clone()),
    );
    contention_case(&mut group, &runtime, "reference_by_handle", &primed.handle);
    contention_case(&mut group, &runtime, "yup_oauth2", &primed.yup);
    group.finish();
}

criterion_group!(benches, cached_token, cached_token_contention);
criterion_main!(benches);
