//! Refreshes side by side: the reference broker against yup-oauth2, both
//! talking HTTP/1.1 to the real mock provider.
//!
//! - `refresh_storm/{party}/{N}_callers`: N tasks ask at once for one account
//!   whose token has expired. Time to serve them all; the refreshes the mock
//!   saw per iteration are saved (`benches::results`) and printed. The
//!   reference broker must send exactly one per iteration (asserted); yup's
//!   count is reported as measured. Over in-process pipes (10,000 yup
//!   callers open 10,000 connections, which over loopback would need 20,000
//!   descriptors in this one process), with the mock's token endpoint
//!   taking [`TOKEN_LATENCY`] (a delay fault), as Google's does: without
//!   it a pipe round trip completes inside tokio's LIFO slot before the
//!   other callers are even polled, and no client looks racy.
//! - `refresh_throughput_{in_memory,loopback}/{party}/{N}_accounts`: N
//!   distinct accounts, all due, refreshed at once; criterion reports
//!   accounts per second. In memory: in-process pipes; loopback: the mock
//!   on 127.0.0.1 (`ReqwestTransport` for the reference broker, a plain
//!   `HttpConnector` for yup), the mock and both clients sharing one
//!   2-worker runtime.
//!
//! The reference broker's token-endpoint pacing is raised out of the way
//! (yup-oauth2 has none), and its expired tokens come from a clock the
//! bench steps forward an hour; yup's from its storage marked expired.

use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use benches::hyper_transport::HyperTransport;
use benches::pipe::{self, PipeConnector};
use benches::results::{self, Counts};
use benches::run_mode::sized;
use benches::stepped_clock::SteppedClock;
use benches::yup::{self, GMAIL_READONLY, SeededStorage};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use futures::future::join_all;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use hyper_util::rt::TokioExecutor;
use mock_provider::{Endpoint, Fault, MockProvider};
use reference_impl::{
    BrokerConfig, HttpTransport, MemoryStore, RefreshToken, ReqwestTransport, TokenBroker,
};
use secrecy::ExposeSecret;
use tokio::runtime::Runtime;

/// Callers of the storm group.
const STORM_CALLERS: [usize; 4] = [10, 100, 1_000, 10_000];

/// How long the mock's token endpoint takes in the storm: of the order of
/// Google's from outside its network.
const TOKEN_LATENCY: Duration = Duration::from_millis(50);

/// An hour: past any token the mock issues (3599 s).
const HOUR: Duration = Duration::from_secs(3600);

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// How the parties reach the mock.
#[derive(Clone)]
enum Wire {
    /// HTTP/1.1 over in-process pipes to the mock's router.
    Pipes(PipeConnector),
    /// The mock on 127.0.0.1.
    Loopback,
}

fn accounts(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| format!("user{i:05}@example.com"))
        .collect()
}

/// A mock with `accounts` (one message each: mailboxes are not measured),
/// reached over `loopback` or pipes. Call inside the runtime.
async fn provider(accounts: &[String], loopback: bool) -> (MockProvider, Wire) {
    let mut builder = MockProvider::builder().mailbox_size(1);
    for account in accounts {
        builder = builder.account(account);
    }
    if loopback {
        (builder.start().await, Wire::Loopback)
    } else {
        let provider = builder.build();
        let wire = Wire::Pipes(pipe::serve_on_pipes(provider.router()));
        (provider, wire)
    }
}

/// The storm's provider: one account, over pipes, a slow token endpoint.
async fn storm_provider() -> (Vec<String>, MockProvider, PipeConnector) {
    let account = accounts(1);
    let (provider, wire) = provider(&account, false).await;
    provider
        .mount(Fault::on(Endpoint::Token).delay(TOKEN_LATENCY))
        .keep();
    let Wire::Pipes(connector) = wire else {
        unreachable!("the storm runs over pipes")
    };
    (account, provider, connector)
}

/// Requests the mock has journaled: O(1), unlike counting refreshes (which
/// copies the journal), so it can run between iterations; [`only_refreshes`]
/// checks once per sample that every one was a refresh grant.
fn refreshes_seen(provider: &MockProvider) -> u64 {
    provider.journal().len() as u64
}

fn only_refreshes(provider: &MockProvider) {
    assert_eq!(
        provider.journal().refreshes().len(),
        provider.journal().len(),
        "only refresh grants reached the mock"
    );
}

/// The reference broker, every account added, none refreshed yet.
async fn reference_broker(
    provider: &MockProvider,
    wire: &Wire,
    accounts: &[String],
    clock: Arc<SteppedClock>,
) -> TokenBroker {
    let transport: Arc<dyn HttpTransport> = match wire {
        Wire::Pipes(connector) => Arc::new(HyperTransport::new(pipe::client(connector.clone()))),
        Wire::Loopback => Arc::new(ReqwestTransport::new()),
    };
    let config = BrokerConfig::new(
        provider.token_url(),
        provider.client_id(),
        provider.client_secret().expose_secret(),
    )
    .with_token_endpoint_rate(1e12, u32::MAX);
    let broker = TokenBroker::new(config, clock, transport, Arc::new(MemoryStore::new()))
        .expect("valid config");
    for account in accounts {
        let refresh = provider.refresh_token(account).expect("seeded account");
        broker
            .add_account(account, RefreshToken::new(refresh.expose_secret()))
            .await;
    }
    broker
}

type YupAuthenticator<C> = yup_oauth2::authenticator::Authenticator<C>;

/// One yup-oauth2 authenticator per account (sharing one client pool), each
/// with its storage, whose tokens are expired.
async fn yup_authenticators<C>(
    provider: &MockProvider,
    client: Client<C, String>,
    accounts: &[String],
) -> Vec<(YupAuthenticator<C>, SeededStorage)>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    let secret = yup::application_secret(
        &provider.token_url(),
        provider.client_id(),
        provider.client_secret().expose_secret(),
    );
    let mut parties = Vec::with_capacity(accounts.len());
    for account in accounts {
        let refresh = provider.refresh_token(account).expect("seeded account");
        let storage = SeededStorage::expired(&[GMAIL_READONLY], refresh.expose_secret());
        let authenticator = yup::authenticator(client.clone(), secret.clone(), storage.clone())
            .await
            .expect("yup-oauth2 authenticator");
        parties.push((authenticator, storage));
    }
    parties
}

/// Records the refreshes of each iteration of one bench id.
#[derive(Default)]
struct RefreshLog(Mutex<Vec<u64>>);

impl RefreshLog {
    fn push(&self, refreshes: u64) {
        self.0.lock().expect("log lock").push(refreshes);
    }

    fn save(&self, bench: String) {
        let per_iteration = std::mem::take(&mut *self.0.lock().expect("log lock"));
        let counts = Counts {
            bench,
            what: "refreshes".to_owned(),
            per_iteration,
        };
        results::save(&counts).expect("bench results are writable");
    }
}

fn storm_reference(
    runtime: &Runtime,
    callers: usize,
    iterations: u64,
    log: &RefreshLog,
) -> Duration {
    runtime.block_on(async {
        let (account, provider, connector) = storm_provider().await;
        let clock = Arc::new(SteppedClock::default());
        let wire = Wire::Pipes(connector);
        let broker = reference_broker(&provider, &wire, &account, clock.clone()).await;
        let mut elapsed = Duration::ZERO;
        for _ in 0..iterations {
            clock.step(HOUR);
            let before = refreshes_seen(&provider);
            let start = Instant::now();
            let served = join_all((0..callers).map(|_| {
                let broker = broker.clone();
                let account = account[0].clone();
                tokio::spawn(async move { broker.access_token(&account).await })
            }))
            .await;
            elapsed += start.elapsed();
            for token in served {
                black_box(token.expect("task").expect("served"));
            }
            let sent = refreshes_seen(&provider) - before;
            assert_eq!(sent, 1, "the reference broker sends one refresh per storm");
            log.push(sent);
        }
        only_refreshes(&provider);
        elapsed
    })
}

fn storm_yup(runtime: &Runtime, callers: usize, iterations: u64, log: &RefreshLog) -> Duration {
    runtime.block_on(async {
        let (account, provider, connector) = storm_provider().await;
        let mut parties = yup_authenticators(&provider, pipe::client(connector), &account).await;
        let (authenticator, storage) = parties.pop().expect("one account");
        let mut elapsed = Duration::ZERO;
        for _ in 0..iterations {
            storage.expire();
            let before = refreshes_seen(&provider);
            let start = Instant::now();
            let served = join_all((0..callers).map(|_| {
                let authenticator = authenticator.clone();
                tokio::spawn(async move { authenticator.token(&[GMAIL_READONLY]).await })
            }))
            .await;
            elapsed += start.elapsed();
            for token in served {
                black_box(token.expect("task").expect("served"));
            }
            log.push(refreshes_seen(&provider) - before);
        }
        only_refreshes(&provider);
        elapsed
    })
}

fn refresh_storm(c: &mut Criterion) {
    let runtime = runtime();
    let mut group = c.benchmark_group("refresh_storm");
    group.sample_size(10);
    for callers in STORM_CALLERS.map(|n| sized(n, n.isqrt())) {
        let id = format!("{callers}_callers");
        let log = RefreshLog::default();
        group.bench_function(BenchmarkId::new("reference", &id), |b| {
            b.iter_custom(|n| storm_reference(&runtime, callers, n, &log));
        });
        log.save(format!("refresh_storm/reference/{id}"));
        group.bench_function(BenchmarkId::new("yup_oauth2", &id), |b| {
            b.iter_custom(|n| storm_yup(&runtime, callers, n, &log));
        });
        log.save(format!("refresh_storm/yup_oauth2/{id}"));
    }
    group.finish();
}

/// `iterations` rounds of refreshing every account at once.
fn throughput_reference(
    runtime: &Runtime,
    accounts: &[String],
    loopback: bool,
    iterations: u64,
) -> Duration {
    runtime.block_on(async {
        let (provider, wire) = provider(accounts, loopback).await;
        let clock = Arc::new(SteppedClock::default());
        let broker = reference_broker(&provider, &wire, accounts, clock.clone()).await;
        let mut elapsed = Duration::ZERO;
        for _ in 0..iterations {
            clock.step(HOUR);
            let before = refreshes_seen(&provider);
            let start = Instant::now();
            let served = join_all(accounts.iter().map(|account| {
                let broker = broker.clone();
                let account = account.clone();
                tokio::spawn(async move { broker.access_token(&account).await })
            }))
            .await;
            elapsed += start.elapsed();
            for token in served {
                black_box(token.expect("task").expect("served"));
            }
            let sent = refreshes_seen(&provider) - before;
            assert_eq!(sent, accounts.len() as u64, "one refresh per account");
        }
        only_refreshes(&provider);
        elapsed
    })
}

fn throughput_yup(
    runtime: &Runtime,
    accounts: &[String],
    loopback: bool,
    iterations: u64,
) -> Duration {
    runtime.block_on(async {
        let (provider, wire) = provider(accounts, loopback).await;
        match wire {
            Wire::Pipes(connector) => {
                let parties =
                    yup_authenticators(&provider, pipe::client(connector), accounts).await;
                yup_rounds(&provider, &parties, iterations).await
            }
            Wire::Loopback => {
                let client = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
                let parties = yup_authenticators(&provider, client, accounts).await;
                yup_rounds(&provider, &parties, iterations).await
            }
        }
    })
}

async fn yup_rounds<C>(
    provider: &MockProvider,
    parties: &[(YupAuthenticator<C>, SeededStorage)],
    iterations: u64,
) -> Duration
where
    C: Connect + Clone + Send + Sync + 'static,
{
    let mut elapsed = Duration::ZERO;
    for _ in 0..iterations {
        for (_, storage) in parties {
            storage.expire();
        }
        let before = refreshes_seen(provider);
        let start = Instant::now();
        let served = join_all(parties.iter().map(|(authenticator, _)| {
            let authenticator = authenticator.clone();
            tokio::spawn(async move { authenticator.token(&[GMAIL_READONLY]).await })
        }))
        .await;
        elapsed += start.elapsed();
        for token in served {
            black_box(token.expect("task").expect("served"));
        }
        let sent = refreshes_seen(provider) - before;
        assert_eq!(sent, parties.len() as u64, "one refresh per account");
    }
    only_refreshes(provider);
    elapsed
}

fn refresh_throughput(c: &mut Criterion) {
    let runtime = runtime();
    let count = sized(1_000, 20);
    let accounts = accounts(count);
    for (group_name, loopback) in [
        ("refresh_throughput_in_memory", false),
        ("refresh_throughput_loopback", true),
    ] {
        let mut group = c.benchmark_group(group_name);
        group.sample_size(10);
        group.throughput(Throughput::Elements(count as u64));
        let id = format!("{count}_accounts");
        group.bench_function(BenchmarkId::new("reference", &id), |b| {
            b.iter_custom(|n| throughput_reference(&runtime, &accounts, loopback, n));
        });
        group.bench_function(BenchmarkId::new("yup_oauth2", &id), |b| {
            b.iter_custom(|n| throughput_yup(&runtime, &accounts, loopback, n));
        });
        group.finish();
    }
}

criterion_group!(benches, refresh_storm, refresh_throughput);
criterion_main!(benches);
