//! The PostgreSQL store outlives its session: a database restart cuts it,
//! and the next call opens another (found by the harness's
//! `real-postgres-read-only-then-down`: before, every call failed until the
//! broker process restarted).

use crate::conformance::grant;
use crate::fixtures::{Fixture, PostgresFixture};
use reference_impl::{CasOutcome, PostgresStore, TokenStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_whose_session_was_cut_opens_another_on_its_next_call() {
    let Some(fixture) = PostgresFixture::new().await else {
        return;
    };
    let mut config = fixture.config();
    let name = format!("reconnect-test-{}", std::process::id());
    config.application_name(&name);
    let store = PostgresStore::connect_with(&config, fixture.keyring())
        .await
        .expect("connect");
    assert!(matches!(
        store.compare_and_swap("alice", None, grant(1)).await,
        Ok(CasOutcome::Swapped)
    ));

    // What a server restart does to every session, on this one only.
    let admin = fixture.raw_client().await;
    let cut = admin
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
            &[&name],
        )
        .await
        .expect("terminate the store's session")
        .get::<_, i64>(0);
    assert_eq!(cut, 1, "the store had one session");
    // The client notices the closed socket asynchronously; the first call
    // may still meet the old session and fail as unavailable.
    let mut loaded = store.load("alice").await;
    for _ in 0..50 {
        if loaded.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        loaded = store.load("alice").await;
    }
    let loaded = loaded.expect("a new session after the old one was cut");
    assert_eq!(loaded.map(|grant| grant.version), Some(1));
    assert!(matches!(
        store.compare_and_swap("alice", Some(1), grant(2)).await,
        Ok(CasOutcome::Swapped)
    ));
}
