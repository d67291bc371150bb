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
//!   account; time is per call per thread, so equal numbers mean linear scaling.

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

/// Runs `iterations` calls of `call` on each of `threads` threads at once; returns the
/// wall time, so the per-iteration figure is time per call per thread.
fn concurrent<S: Send + 'static>(
    threads: usize,
    iterations: u64,
    make_state: impl Fn() -> S,
    call: fn(&mut S),
) -> Duration {
    let barrier = Arc::new(Barrier::new(threads + 1));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let mut state = make_state();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                for _ in 0..iterations {
                    call(&mut state);
                }
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    for worker in workers {
        worker.join().expect("bench thread");
    }
    start.elapsed()
}

fn access_token_scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("access_token_cached_scaling");
    let broker = primed_broker(1);
    for threads in [1, 2] {
        let by_name = broker.clone();
        group.bench_function(format!("broker_by_name/{threads}_threads"), |b| {
            b.iter_custom(|iterations| {
                concurrent(
                    threads,
                    iterations,
                    || by_name.clone(),
                    |broker| {
                        black_box(broker.cached_access_token(black_box("a")));
                    },
                )
            });
        });
        let by_name_async = broker.clone();
        group.bench_function(
            format!("broker_by_name_async_in_place/{threads}_threads"),
            |b| {
                b.iter_custom(|iterations| {
                    concurrent(
                        threads,
                        iterations,
                        || by_name_async.clone(),
                        |broker| {
                            black_box(poll_in_place(broker.access_token(black_box("a"))));
                        },
                    )
                });
            },
        );
        let for_handles = broker.clone();
        group.bench_function(format!("handle_borrowed/{threads}_threads"), |b| {
            b.iter_custom(|iterations| {
                concurrent(
                    threads,
                    iterations,
                    || handle(&for_handles),
                    |alice| {
                        black_box(alice.cached_access_token().map(|t| t.expose_secret().len()));
                    },
                )
            });
        });
    }
    group.finish();
}

criterion_group!(benches, access_token_hot_path, access_token_scaling);
criterion_main!(benches);
