//! The memory store's fault knobs, which sim-mode scenarios use as storage faults.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reference_impl::{CasOutcome, Clock, MemoryStore, StoreError, TokenStore};

use crate::conformance::grant;

#[tokio::test]
async fn a_read_only_memory_store_serves_reads_and_refuses_writes() {
    let store = MemoryStore::new();
    let _ = store
        .compare_and_swap("alice", None, grant(1))
        .await
        .expect("write");
    store.set_read_only(true);
    assert_eq!(
        store
            .load("alice")
            .await
            .expect("load")
            .expect("stored")
            .version,
        1
    );
    let error = store
        .compare_and_swap("alice", Some(1), grant(2))
        .await
        .expect_err("read-only");
    assert!(matches!(error, StoreError::ReadOnly), "{error:?}");

    store.set_read_only(false);
    assert!(matches!(
        store
            .compare_and_swap("alice", Some(1), grant(2))
            .await
            .expect("write"),
        CasOutcome::Swapped
    ));
}

#[tokio::test(start_paused = true)]
async fn a_slow_store_answers_after_its_latency() {
    let store = MemoryStore::new();
    store.set_latency(Duration::from_secs(3));
    let started = tokio::time::Instant::now();
    let _ = store.load("alice").await.expect("load");
    assert!(started.elapsed() >= Duration::from_secs(3));
}

#[tokio::test]
async fn writes_fail_once_the_write_budget_is_spent() {
    let store = MemoryStore::new();
    store.fail_writes_after(2);
    let _ = store
        .compare_and_swap("alice", None, grant(1))
        .await
        .expect("first write");
    let _ = store
        .compare_and_swap("alice", Some(1), grant(2))
        .await
        .expect("second write");
    let error = store
        .compare_and_swap("alice", Some(2), grant(3))
        .await
        .expect_err("budget spent");
    assert!(matches!(error, StoreError::Unavailable { .. }), "{error:?}");
    assert_eq!(
        store
            .load("alice")
            .await
            .expect("reads still work")
            .expect("stored")
            .version,
        2
    );

    store.clear_write_limit();
    let _ = store
        .compare_and_swap("alice", Some(2), grant(3))
        .await
        .expect("write");
}

#[tokio::test(start_paused = true)]
async fn a_crash_drops_in_flight_writes_and_keeps_committed_ones() {
    let store = Arc::new(MemoryStore::new());
    let _ = store
        .compare_and_swap("alice", None, grant(1))
        .await
        .expect("committed");
    store.set_latency(Duration::from_secs(1));

    let in_flight = tokio::spawn({
        let store = Arc::clone(&store);
        async move { store.compare_and_swap("alice", Some(1), grant(2)).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    store.crash();

    let error = in_flight
        .await
        .expect("task")
        .expect_err("the write was in flight");
    assert!(matches!(error, StoreError::Unavailable { .. }), "{error:?}");
    store.set_latency(Duration::ZERO);
    assert_eq!(
        store.get("alice").expect("committed grant stays").version,
        1
    );
    // Writes after the crash commit normally.
    let _ = store
        .compare_and_swap("alice", Some(1), grant(2))
        .await
        .expect("write");
    assert_eq!(store.get("alice").expect("stored").version, 2);
}

#[derive(Debug)]
struct ManualClock(Mutex<SystemTime>);

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().expect("clock")
    }
}

#[tokio::test]
async fn memory_leases_expire_by_the_injected_clock() {
    let clock = Arc::new(ManualClock(Mutex::new(
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_000),
    )));
    let store = MemoryStore::with_clock(clock.clone());
    let ttl = Duration::from_secs(30);
    let first = store
        .try_acquire_lease("alice", "one", ttl)
        .await
        .expect("lease")
        .expect("free");
    assert_eq!(
        first.expires_at,
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_030)
    );

    *clock.0.lock().expect("clock") += Duration::from_secs(29);
    assert!(
        store
            .try_acquire_lease("alice", "two", ttl)
            .await
            .expect("lease")
            .is_none()
    );
    *clock.0.lock().expect("clock") += Duration::from_secs(1);
    let second = store
        .try_acquire_lease("alice", "two", ttl)
        .await
        .expect("lease")
        .expect("expired");
    assert!(second.fencing_token > first.fencing_token);
}
