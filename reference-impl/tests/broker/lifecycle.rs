//! Proactive refresh, cancellation, 401s, store outages and clock trouble, on a paused
//! tokio clock with an in-memory token endpoint.

use std::sync::Arc;
use std::time::Duration;

use crate::support::{ScriptedTransport, json_response, sim_broker};
use futures::future::join_all;
use reference_impl::{AccountState, MemoryStore, TokenStore};

#[tokio::test(start_paused = true)]
async fn the_background_refresher_refreshes_before_expiry_without_callers() {
    let transport = ScriptedTransport::google();
    let broker = sim_broker(transport.clone(), Arc::new(MemoryStore::new()), |c| c).await;
    let _refresher = broker.start_background_refresh();

    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        transport.count(),
        1,
        "an account without a token is fetched at once"
    );
    let first = broker.status()[0].clone();
    assert_eq!(first.state, AccountState::Ok);

    // 3599 s tokens, 300 s buffer, up to 30 s jitter: refreshed once per ~55 minutes.
    tokio::time::sleep(Duration::from_secs(3 * 3600)).await;
    assert_eq!(transport.count(), 4);
    let status = &broker.status()[0];
    assert!(status.time_to_expiry.unwrap() > Duration::from_secs(200));
    assert!(status.last_refresh > first.last_refresh);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_background_guard_stops_refreshing() {
    let transport = ScriptedTransport::google();
    let broker = sim_broker(transport.clone(), Arc::new(MemoryStore::new()), |c| c).await;
    let refresher = broker.start_background_refresh();
    tokio::time::sleep(Duration::from_secs(1)).await;
    drop(refresher);
    tokio::time::sleep(Duration::from_secs(3 * 3600)).await;
    assert_eq!(transport.count(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_caller_cancelled_mid_refresh_does_not_lose_the_rotated_refresh_token() {
    let transport = ScriptedTransport::new(Duration::from_secs(2), |_| {
        json_response(
            200,
            serde_json::json!({"access_token": "ya29.rotated", "expires_in": 3599,
                "refresh_token": "1//rotated", "token_type": "Bearer"}),
        )
    });
    let store = Arc::new(MemoryStore::new());
    let broker = sim_broker(transport.clone(), store.clone(), |c| c).await;

    let cancelled =
        tokio::time::timeout(Duration::from_secs(1), broker.access_token("alice")).await;
    assert!(cancelled.is_err(), "the caller gave up before the answer");
    tokio::time::sleep(Duration::from_secs(5)).await;

    let stored = store.load("alice").await.unwrap().unwrap();
    assert_eq!(stored.refresh_token.expose_secret(), "1//rotated");
    assert_eq!(
        broker.access_token("alice").await.unwrap().expose_secret(),
        "ya29.rotated"
    );
    assert_eq!(transport.count(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_hundred_callers_reporting_the_same_401_cause_one_refresh() {
    let transport = ScriptedTransport::google();
    let broker = sim_broker(transport.clone(), Arc::new(MemoryStore::new()), |c| c).await;
    let rejected = broker.access_token("alice").await.unwrap();

    let callers = (0..100).map(|_| {
        let broker = broker.clone();
        let rejected = rejected.clone();
        tokio::spawn(async move { broker.access_token_after_401("alice", &rejected).await })
    });
    for served in join_all(callers).await {
        let served = served.unwrap().unwrap();
        assert_ne!(served.expose_secret(), rejected.expose_secret());
    }
    assert_eq!(
        transport.count(),
        2,
        "the initial fetch and one forced refresh"
    );

    // A late report about the already-replaced token changes nothing.
    broker
        .access_token_after_401("alice", &rejected)
        .await
        .unwrap();
    assert_eq!(transport.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_store_outage_after_a_refresh_keeps_the_token_and_persists_it_later() {
    let transport = ScriptedTransport::new(Duration::from_millis(10), |_| {
        json_response(
            200,
            serde_json::json!({"access_token": "ya29.fresh", "expires_in": 3599,
                "refresh_token": "1//rotated-during-outage", "token_type": "Bearer"}),
        )
    });
    let store = Arc::new(MemoryStore::new());
    let broker = sim_broker(transport.clone(), store.clone(), |c| c).await;
    store.set_unavailable(true);

    let token = broker.access_token("alice").await.unwrap();
    assert_eq!(token.expose_secret(), "ya29.fresh");
    let status = broker.status()[0].clone();
    assert_eq!(status.state, AccountState::Degraded);
    assert!(status.persist_pending);
    assert!(status.failures.storage >= 1);

    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(
        broker.status()[0].state,
        AccountState::Degraded,
        "still down"
    );
    store.set_unavailable(false);
    tokio::time::sleep(Duration::from_secs(70)).await;

    let stored = store.get("alice").unwrap();
    assert_eq!(
        stored.refresh_token.expose_secret(),
        "1//rotated-during-outage"
    );
    assert_eq!(broker.status()[0].state, AccountState::Ok);
    assert_eq!(transport.count(), 1, "the fresh token was never dropped");
}

/// A wall clock set by hand whose monotonic clock stands still, as a broker
/// process's does across the harness timeline's skips (and a machine's
/// across a suspend): only the wall clock says time passed.
#[derive(Debug)]
struct Rewindable(std::sync::Mutex<std::time::SystemTime>);

impl reference_impl::Clock for Rewindable {
    fn now(&self) -> std::time::SystemTime {
        *self.0.lock().unwrap()
    }
    fn monotonic(&self) -> Duration {
        Duration::ZERO
    }
}

impl Rewindable {
    fn set(&self, to: std::time::SystemTime) {
        *self.0.lock().unwrap() = to;
    }
}

fn rewindable_broker() -> (
    Arc<Rewindable>,
    Arc<ScriptedTransport>,
    reference_impl::TokenBroker,
    std::time::SystemTime,
) {
    let start = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let clock = Arc::new(Rewindable(std::sync::Mutex::new(start)));
    let transport = ScriptedTransport::google();
    let config = reference_impl::BrokerConfig::new("https://o.example/token", "id", "secret");
    let broker = reference_impl::TokenBroker::new(
        config,
        clock.clone(),
        transport.clone(),
        Arc::new(MemoryStore::new()),
    )
    .unwrap();
    (clock, transport, broker, start)
}

#[tokio::test(start_paused = true)]
async fn a_clock_that_goes_backwards_is_noticed_and_the_tokens_instants_move_with_it() {
    let (clock, transport, broker, start) = rewindable_broker();
    broker.add_account("alice", "1//r".into()).await;
    broker.access_token("alice").await.unwrap();

    clock.set(start - Duration::from_secs(7200));
    let token = broker.access_token("alice").await.unwrap();
    // Still the first token, and still judged by when it really expires.
    assert_eq!(token.expose_secret(), "ya29.mem-0");
    assert_eq!(transport.count(), 1);
    let status = &broker.status()[0];
    assert_eq!(status.clock_regressions, 1);
    assert_eq!(status.state, AccountState::Ok);
    assert!(status.time_to_expiry.unwrap() <= Duration::from_secs(3599));
}

#[tokio::test(start_paused = true)]
async fn a_wall_step_back_the_monotonic_clock_cannot_see_is_noticed_by_the_next_reading() {
    let (clock, transport, broker, start) = rewindable_broker();
    broker.add_account("alice", "1//r".into()).await;
    assert_eq!(
        broker.access_token("alice").await.unwrap().expose_secret(),
        "ya29.mem-0"
    );
    let minutes = |m: u64| Duration::from_secs(m * 60);
    clock.set(start + minutes(19));
    broker.access_token("alice").await.unwrap();
    // Twenty minutes in the wall clock steps back ten, not below receipt;
    // the next call reads it.
    clock.set(start + minutes(10) + Duration::from_secs(30));
    assert_eq!(
        broker.access_token("alice").await.unwrap().expose_secret(),
        "ya29.mem-0"
    );
    // At 60 min 30 s of real time the first token is dead at the provider,
    // while the wall clock reads 50 min 30 s.
    clock.set(start + minutes(50) + Duration::from_secs(30));
    let token = broker.access_token("alice").await.unwrap();
    assert_ne!(token.expose_secret(), "ya29.mem-0");
    assert_eq!(transport.count(), 2);
    assert_eq!(broker.status()[0].clock_regressions, 1);
}

#[tokio::test(start_paused = true)]
async fn a_wall_clock_stepped_back_less_than_the_tokens_age_does_not_stretch_its_life() {
    /// Tokio's paused clock, with the wall stepped back by `behind_s` seconds.
    #[derive(Debug)]
    struct SteppedBack {
        start: tokio::time::Instant,
        behind_s: std::sync::atomic::AtomicU64,
    }
    impl reference_impl::Clock for SteppedBack {
        fn now(&self) -> std::time::SystemTime {
            let behind = self.behind_s.load(std::sync::atomic::Ordering::Relaxed);
            std::time::SystemTime::UNIX_EPOCH
                + Duration::from_secs(1_700_000_000)
                + self.start.elapsed()
                - Duration::from_secs(behind)
        }
    }
    let clock = Arc::new(SteppedBack {
        start: tokio::time::Instant::now(),
        behind_s: std::sync::atomic::AtomicU64::new(0),
    });
    let transport = ScriptedTransport::google();
    let config = reference_impl::BrokerConfig::new("https://o.example/token", "id", "secret");
    let broker = reference_impl::TokenBroker::new(
        config,
        clock.clone(),
        transport.clone(),
        Arc::new(MemoryStore::new()),
    )
    .unwrap();
    broker.add_account("alice", "1//r".into()).await;
    assert_eq!(
        broker.access_token("alice").await.unwrap().expose_secret(),
        "ya29.mem-0"
    );

    // Twenty minutes in, NTP steps the wall clock back ten minutes: not
    // below the token's receipt time, so only the monotonic clock shows it.
    tokio::time::sleep(Duration::from_secs(20 * 60)).await;
    clock
        .behind_s
        .store(600, std::sync::atomic::Ordering::Relaxed);
    // Sixty and a half minutes after it was obtained the first token is dead at
    // the provider, while the stepped-back wall clock says 50 minutes.
    tokio::time::sleep(Duration::from_secs(40 * 60 + 30)).await;
    let token = broker.access_token("alice").await.unwrap();
    assert_ne!(token.expose_secret(), "ya29.mem-0");
    assert_eq!(transport.count(), 2);
    let status = &broker.status()[0];
    assert!(status.time_to_expiry.unwrap() > Duration::from_secs(3000));
}

#[tokio::test(start_paused = true)]
async fn ten_thousand_callers_on_an_expired_token_cause_exactly_one_refresh() {
    let transport = ScriptedTransport::google();
    let broker = sim_broker(transport.clone(), Arc::new(MemoryStore::new()), |c| c).await;
    broker.access_token("alice").await.unwrap();
    tokio::time::sleep(Duration::from_secs(3600)).await;

    let callers = (0..10_000).map(|_| {
        let broker = broker.clone();
        tokio::spawn(async move { broker.access_token("alice").await })
    });
    for served in join_all(callers).await {
        assert_eq!(served.unwrap().unwrap().expose_secret(), "ya29.mem-1");
    }
    assert_eq!(transport.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_429_with_an_http_date_retry_after_is_retried_no_sooner_than_asked() {
    let calls = std::sync::atomic::AtomicU32::new(0);
    let transport = ScriptedTransport::new(Duration::from_millis(10), move |_| {
        if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            let retry_at = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_003);
            let mut response =
                json_response(429, serde_json::json!({"error": "rate_limit_exceeded"}));
            response.headers_mut().insert(
                "retry-after",
                httpdate::fmt_http_date(retry_at).parse().unwrap(),
            );
            response
        } else {
            json_response(
                200,
                serde_json::json!({"access_token": "ya29.later", "expires_in": 3599, "token_type": "Bearer"}),
            )
        }
    });
    let broker = sim_broker(transport.clone(), Arc::new(MemoryStore::new()), |c| c).await;
    let started = tokio::time::Instant::now();

    let token = broker.access_token("alice").await.unwrap();

    assert_eq!(token.expose_secret(), "ya29.later");
    assert_eq!(transport.count(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn the_rate_limit_paces_a_burst_of_refreshes_across_accounts() {
    let transport = ScriptedTransport::new(Duration::ZERO, |_| {
        json_response(
            200,
            serde_json::json!({"access_token": "ya29.x", "expires_in": 3599, "token_type": "Bearer"}),
        )
    });
    let broker = sim_broker(transport.clone(), Arc::new(MemoryStore::new()), |c| {
        c.with_token_endpoint_rate(10.0, 5)
    })
    .await;
    for n in 0..25 {
        broker
            .add_account(&format!("user-{n}"), "1//r".into())
            .await;
    }
    let started = tokio::time::Instant::now();
    let callers = (0..25).map(|n| {
        let broker = broker.clone();
        tokio::spawn(async move { broker.access_token(&format!("user-{n}")).await })
    });
    for served in join_all(callers).await {
        served.unwrap().unwrap();
    }
    // 5 at once, then 10 per second for the other 20.
    assert_eq!(transport.count(), 25);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

/// Answers the first refresh with a token, the next `failures` with 503, then tokens.
fn flaky_after_first(failures: u32) -> Arc<ScriptedTransport> {
    let calls = std::sync::atomic::AtomicU32::new(0);
    ScriptedTransport::new(Duration::from_millis(10), move |_| {
        let n = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if (1..=failures).contains(&n) {
            json_response(503, serde_json::json!({"error": "backend_error"}))
        } else {
            json_response(
                200,
                serde_json::json!({"access_token": format!("ya29.gen-{n}"), "expires_in": 3599, "token_type": "Bearer"}),
            )
        }
    })
}

#[tokio::test(start_paused = true)]
async fn retries_grow_harder_as_expiry_nears() {
    // Normal urgency (about five minutes left): one attempt, the old token is served.
    let transport = flaky_after_first(2);
    let broker = sim_broker(transport.clone(), Arc::new(MemoryStore::new()), |c| {
        c.with_refresh_jitter(Duration::ZERO)
    })
    .await;
    broker.access_token("alice").await.unwrap();
    tokio::time::sleep(Duration::from_secs(3599 - 300)).await;
    assert_eq!(
        broker.access_token("alice").await.unwrap().expose_secret(),
        "ya29.gen-0"
    );
    assert_eq!(transport.count(), 2);

    // Warning urgency (100 s left): retried inline until it works.
    let transport = flaky_after_first(2);
    let broker = sim_broker(transport.clone(), Arc::new(MemoryStore::new()), |c| {
        c.with_refresh_jitter(Duration::ZERO)
            .with_refresh_buffer(Duration::from_secs(100))
    })
    .await;
    broker.access_token("alice").await.unwrap();
    tokio::time::sleep(Duration::from_secs(3599 - 100)).await;
    assert_eq!(
        broker.access_token("alice").await.unwrap().expose_secret(),
        "ya29.gen-3"
    );
    assert_eq!(transport.count(), 4);
}
