//! The local-first store: serving through a bucket outage, reconciling by
//! version when the bucket is back, and components adopting each other's
//! grants through the bucket instead of overwriting them.

use std::sync::Arc;

use reference_impl::{CasOutcome, LocalFirstStore, MemoryStore, TokenStore};

use crate::bucket_fixtures::BucketFixture;
use crate::conformance::grant;

fn component(bucket: &BucketFixture, local: &Arc<MemoryStore>) -> LocalFirstStore {
    LocalFirstStore::new(
        local.clone(),
        Arc::new(bucket.store(bucket_keyring(bucket))),
    )
}

fn bucket_keyring(bucket: &BucketFixture) -> reference_impl::Keyring {
    crate::fixtures::Fixture::keyring(bucket)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_during_an_outage_land_locally_and_reach_the_bucket_when_it_returns() {
    let bucket = BucketFixture::s3().await.expect("S3 fixture");
    let local = Arc::new(MemoryStore::new());
    let store = component(&bucket, &local);
    let _ = store
        .compare_and_swap("alice", None, grant(1))
        .await
        .expect("write");

    let outage = bucket.server().faults().outage();
    let outcome = store
        .compare_and_swap("alice", Some(1), grant(2))
        .await
        .expect("the local store takes the write");
    assert!(matches!(outcome, CasOutcome::Swapped));
    assert_eq!(store.unsynced(), ["alice"]);
    // Still served while the bucket is down.
    assert_eq!(
        store
            .load("alice")
            .await
            .expect("load")
            .expect("local")
            .version,
        2
    );
    let remote = bucket.store(bucket_keyring(&bucket));
    drop(outage);
    assert_eq!(
        remote
            .load("alice")
            .await
            .expect("load")
            .expect("stored")
            .version,
        1
    );

    store.retry_bucket_now();
    assert_eq!(
        store
            .load("alice")
            .await
            .expect("load")
            .expect("stored")
            .version,
        2
    );
    assert!(store.unsynced().is_empty());
    assert_eq!(
        remote
            .load("alice")
            .await
            .expect("load")
            .expect("synced")
            .version,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_holding_old_state_adopts_the_newer_grant_instead_of_overwriting() {
    let bucket = BucketFixture::s3().await.expect("S3 fixture");
    let (a_local, b_local) = (Arc::new(MemoryStore::new()), Arc::new(MemoryStore::new()));
    let (a, b) = (component(&bucket, &a_local), component(&bucket, &b_local));
    let _ = a
        .compare_and_swap("alice", None, grant(1))
        .await
        .expect("write");
    assert_eq!(
        b.load("alice").await.expect("load").expect("seen").version,
        1
    );

    // A refreshes; B still believes version 1 and writes its own refresh.
    let _ = a
        .compare_and_swap("alice", Some(1), grant(2))
        .await
        .expect("write");
    let stale =
        reference_impl::StoredGrant::new(2, reference_impl::RefreshToken::new("1//b-stale"));
    let CasOutcome::Conflict {
        current: Some(current),
    } = b
        .compare_and_swap("alice", Some(1), stale)
        .await
        .expect("store call")
    else {
        panic!("B must lose the race");
    };
    assert_eq!(current.refresh_token.expose_secret(), "1//refresh-v2");
    // B's local copy now holds A's grant.
    assert_eq!(
        b_local
            .get("alice")
            .expect("mirrored")
            .refresh_token
            .expose_secret(),
        "1//refresh-v2"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_write_that_lost_to_the_bucket_during_an_outage_is_replaced_by_the_bucket_copy() {
    let bucket = BucketFixture::s3().await.expect("S3 fixture");
    let (a_local, b_local) = (Arc::new(MemoryStore::new()), Arc::new(MemoryStore::new()));
    let (a, b) = (component(&bucket, &a_local), component(&bucket, &b_local));
    let _ = a
        .compare_and_swap("alice", None, grant(1))
        .await
        .expect("write");
    let _ = b.load("alice").await.expect("load");

    // B is cut off (only B: its bucket calls fail) and writes version 2 locally...
    let outage = bucket.server().faults().outage();
    let local_only =
        reference_impl::StoredGrant::new(2, reference_impl::RefreshToken::new("1//b-local"));
    let _ = b
        .compare_and_swap("alice", Some(1), local_only)
        .await
        .expect("local");
    drop(outage);
    // ...while A, reaching the bucket, commits its own version 2 and then 3.
    a.retry_bucket_now();
    let _ = a
        .compare_and_swap("alice", Some(1), grant(2))
        .await
        .expect("write");
    let _ = a
        .compare_and_swap("alice", Some(2), grant(3))
        .await
        .expect("write");

    b.retry_bucket_now();
    let reconciled = b.load("alice").await.expect("load").expect("stored");
    assert_eq!(reconciled.version, 3, "the higher version wins");
    assert_eq!(reconciled.refresh_token.expose_secret(), "1//refresh-v3");
    let remote = bucket.store(bucket_keyring(&bucket));
    assert_eq!(
        remote
            .load("alice")
            .await
            .expect("load")
            .expect("stored")
            .refresh_token
            .expose_secret(),
        "1//refresh-v3",
        "B's stale local write never reached the bucket"
    );
}
