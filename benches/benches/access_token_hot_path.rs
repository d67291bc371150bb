//! The cached `access_token()` path: token already cached, nothing sent, no lock.
//!
//! The cached path never awaits, so the future is polled exactly once with
//! `now_or_never` (no runtime, no waker). The clock is the real `SystemClock`, because
//! production pays for that read too.
//!
//! Groups:
//! - `access_token_cached`: by account name through the broker (a per-thread copy of
//!   the token checked against the account's epoch), and through an `AccountHandle`
//!   (no lookup, cached `ArcSwap` load, borrowed or owned token), plus baselines.
//! - `access_token_cached_scaling`: the same calls from 1 and 2 threads at once on one
//!   account; time is per call per thread, so equal numbers mean linear scaling. Each
//!   is measured as wall time and (`_cpu`) as the threads' CPU time, which a busy
//!   shared machine inflates less; a control clones one shared token from every
//!   thread (the by-name path's old behaviour), to show what contention costs.

use std::future::Future;
use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use futures::FutureExt;
use futures::future::BoxFuture;
use reference_impl::{
    AccessToken, AccountHandle, BrokerConfig, BrokerError, Clock, HttpRequest, HttpResponse,
    HttpTransport, MemoryStore, RefreshToken, SystemClock, TokenBroker, TransportError,
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
    let config = BrokerConfig::new("https://oauth2.example/token", "client-id", "client-secret")
        .with_token_endpoint_rate(1e9, u32::MAX);
    let broker = TokenBroker::new(
        config,
        Arc::new(SystemClock),
        Arc::new(FixedTokenEndpoint),
        Arc::new(MemoryStore::new()),
    )
    .expect("valid config");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
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

/// Polls `future` once in place, as an `.await` on a cached token does, and returns
/// its token; `#[inline(always)]` so no move of the future is measured.
#[inline(always)]
fn poll_in_place<F: Future<Output = Result<AccessToken, BrokerError>>>(future: F) -> AccessToken {
    let mut future = std::pin::pin!(future);
    let mut context = Context::from_waker(futures::task::noop_waker_ref());
    match future.as_mut().poll(&mut context) {
        Poll::Ready(token) => token.expect("cached"),
        Poll::Pending => panic!("the cached path never waits"),
    }
}

fn handle(broker: &TokenBroker) -> AccountHandle {
    futures::executor::block_on(broker.handle("a")).expect("account exists")
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
        // What `.await` does: poll the future where it lies (`now_or_never` above
        // first moves it into its own frame).
        group.bench_function(format!("async_polled_in_place/{accounts}_accounts"), |b| {
            b.iter(|| black_box(poll_in_place(broker.access_token(black_box("a")))));
        });
        group.bench_function(
            format!("sync_cached_access_token/{accounts}_accounts"),
            |b| {
                b.iter(|| black_box(broker.cached_access_token(black_box("a")).expect("cached")));
            },
        );
    }
    let broker = primed_broker(1);
    let mut alice = handle(&broker);
    group.bench_function("handle_cached_access_token_borrowed", |b| {
        b.iter(|| {
            black_box(
                alice
                    .cached_access_token()
                    .expect("cached")
                    .expose_secret()
                    .len(),
            )
        });
    });
    group.bench_function("handle_access_token_now_or_never_owned", |b| {
        b.iter(|| {
            let token = alice.access_token().now_or_never();
            black_box(token.expect("cached path never waits").expect("cached"))
        });
    });
    // Baseline: what handing out an owned token costs (an uncontended refcount bump
    // and, when the caller drops it, the matching decrement).
    let token = AccessToken::new("ya29.bench");
    group.bench_function("baseline_owned_token_clone_and_drop", |b| {
        b.iter(|| black_box(black_box(&token).clone()))
    });
    // Baseline: the clock read every cached call pays for.
    group.bench_function("baseline_system_clock_now", |b| {
        b.iter(|| black_box(SystemClock.now()))
    });
    // The precise clock SystemClock avoids (CLOCK_REALTIME through the vDSO).
    group.bench_function("baseline_std_system_time_now", |b| {
        b.iter(|| black_box(std::time::SystemTime::now()))
    });
    group.finish();
}

/// What [`concurrent`] reports.
#[derive(Clone, Copy)]
enum Measure {
    /// Wall time from the start barrier until every thread is done.
    Wall,
    /// Mean CPU time of the threads. Unlike wall time it does not grow while another
    /// job on a shared machine holds a core, so it separates "slower per call" from
    /// "not running". Contention still shows (a load stalled on a cache line another
    /// core owns is CPU time), but only while the threads actually overlap, which a
    /// busy machine makes rarer: read it next to the shared-token control.
    ThreadCpu,
}

/// Runs `iterations` calls of `call` on each of `threads` threads at once; the
/// per-iteration figure is time per call per thread.
fn concurrent<S: Send + 'static>(
    threads: usize,
    iterations: u64,
    make_state: impl Fn() -> S,
    call: fn(&mut S),
    measure: Measure,
) -> Duration {
    let barrier = Arc::new(Barrier::new(threads + 1));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let mut state = make_state();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                let start = thread_cpu_time();
                for _ in 0..iterations {
                    call(&mut state);
                }
                thread_cpu_time().saturating_sub(start)
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    let cpu: Duration = workers
        .into_iter()
        .map(|worker| worker.join().expect("bench thread"))
        .sum();
    match measure {
        Measure::Wall => start.elapsed(),
        Measure::ThreadCpu => cpu / u32::try_from(threads).expect("few threads"),
    }
}

fn thread_cpu_time() -> Duration {
    let spec = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(spec.tv_sec).expect("positive"),
        u32::try_from(spec.tv_nsec).expect("below a second"),
    )
}

/// Registers `name/{threads}_threads` (wall time) and `name/{threads}_threads_cpu`.
fn scaling<S: Send + 'static>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    threads: usize,
    make_state: impl Fn() -> S + Copy,
    call: fn(&mut S),
) {
    for (measure, suffix) in [(Measure::Wall, ""), (Measure::ThreadCpu, "_cpu")] {
        group.bench_function(format!("{name}/{threads}_threads{suffix}"), |b| {
            b.iter_custom(|iterations| concurrent(threads, iterations, make_state, call, measure));
        });
    }
}

fn access_token_scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("access_token_cached_scaling");
    let broker = primed_broker(1);
    let alice = handle(&broker);
    // Control: every call clones and drops one shared token, as the by-name path did
    // before per-thread copies; shows what a contended cache line costs here.
    let shared = AccessToken::new("ya29.bench");
    for threads in [1, 2] {
        scaling(
            &mut group,
            "broker_by_name",
            threads,
            || broker.clone(),
            |broker| {
                black_box(broker.cached_access_token(black_box("a")));
            },
        );
        scaling(
            &mut group,
            "broker_by_name_async_in_place",
            threads,
            || broker.clone(),
            |broker| {
                black_box(poll_in_place(broker.access_token(black_box("a"))));
            },
        );
        scaling(
            &mut group,
            "handle_borrowed",
            threads,
            || alice.clone(),
            |alice| {
                black_box(alice.cached_access_token().map(|t| t.expose_secret().len()));
            },
        );
        scaling(
            &mut group,
            "handle_owned_in_place",
            threads,
            || alice.clone(),
            |alice| {
                black_box(poll_in_place(alice.access_token()));
            },
        );
        scaling(
            &mut group,
            "control_shared_token_clone",
            threads,
            || shared.clone(),
            |token| {
                black_box(black_box(&*token).clone());
            },
        );
    }
    group.finish();
}

criterion_group!(benches, access_token_hot_path, access_token_scaling);
criterion_main!(benches);
