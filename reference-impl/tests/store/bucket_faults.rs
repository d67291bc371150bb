//! The bucket store against a real S3-compatible server behind the fault
//! layer: intermittent errors, SlowDown, latency, resets, lost
//! acknowledgements and a full outage, and the sync outcomes they count.

use std::time::Duration;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use reference_impl::{CasOutcome, StoreError, TokenStore as _};
use throwaway_bucket::{BucketFault, FaultTarget};

use crate::bucket_fixtures::BucketFixture;
use crate::conformance::grant;
use crate::fixtures::Fixture;

async fn s3() -> BucketFixture {
    BucketFixture::s3().await.expect("S3 fixture")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_succeed_through_intermittent_500s_503s_and_slow_downs() {
    let fixture = s3().await;
    let store = fixture.open().await;
    let faults = fixture.server().faults();
    let mut version = None;
    let mut next = 1;
    for fault in [
        BucketFault::InternalError,
        BucketFault::ServiceUnavailable,
        BucketFault::SlowDown,
    ] {
        // Every third request fails: within object_store's two retries.
        let _fault = faults.intermittent(fault, 3);
        for _ in 0..4 {
            let outcome = store
                .compare_and_swap("alice", version, grant(next))
                .await
                .expect("object_store retries what the fault layer fails");
            assert!(
                matches!(outcome, CasOutcome::Swapped),
                "write {next}: {outcome:?}"
            );
            version = Some(next);
            next += 1;
        }
    }
    assert!(faults.injected() > 0, "the faults fired");
    assert_eq!(
        store
            .load("alice")
            .await
            .expect("load")
            .expect("stored")
            .version,
        12
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_whose_acknowledgement_was_lost_is_recognised_as_written() {
    let fixture = s3().await;
    let store = fixture.open().await;
    let _ = store
        .compare_and_swap("alice", None, grant(1))
        .await
        .expect("write");

    let lost = fixture.server().faults().lose_next_acks(1);
    let outcome = store
        .compare_and_swap("alice", Some(1), grant(2))
        .await
        .expect("the read-back settles it");
    drop(lost);
    assert!(matches!(outcome, CasOutcome::Swapped), "{outcome:?}");
    assert!(fixture.server().faults().injected() >= 1);

    // Nobody else wrote, so the next write builds on ours.
    let next = store
        .compare_and_swap("alice", Some(2), grant(3))
        .await
        .expect("write");
    assert!(matches!(next, CasOutcome::Swapped), "{next:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_write_is_retried_or_reported_never_half_applied() {
    let fixture = s3().await;
    let store = fixture.open().await;
    let _ = store
        .compare_and_swap("alice", None, grant(1))
        .await
        .expect("write");
    let _reset =
        fixture
            .server()
            .faults()
            .mount(BucketFault::Reset, FaultTarget::Writes, 1, Some(1));
    match store.compare_and_swap("alice", Some(1), grant(2)).await {
        Ok(CasOutcome::Swapped) | Err(StoreError::Unavailable { .. }) => {}
        other => panic!("a reset write must be retried or unavailable: {other:?}"),
    }
    let stored = store.load("alice").await.expect("load").expect("stored");
    assert!(matches!(stored.version, 1 | 2));
    assert_eq!(
        stored.refresh_token.expose_secret(),
        format!("1//refresh-v{}", stored.version)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_outage_is_unavailable_within_seconds_and_writes_nothing() {
    let fixture = s3().await;
    let store = fixture.open().await;
    let _ = store
        .compare_and_swap("alice", None, grant(1))
        .await
        .expect("write");

    let outage = fixture.server().faults().outage();
    let started = std::time::Instant::now();
    let error = store
        .compare_and_swap("alice", Some(1), grant(2))
        .await
        .expect_err("the bucket is down");
    assert!(matches!(error, StoreError::Unavailable { .. }), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "bounded retries: {:?}",
        started.elapsed()
    );
    assert!(!error.to_string().contains("1//"));
    drop(outage);
    assert_eq!(
        store
            .load("alice")
            .await
            .expect("load")
            .expect("stored")
            .version,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_slows_calls_without_failing_them() {
    let fixture = s3().await;
    let store = fixture.open().await;
    let _slow = fixture.server().faults().mount(
        BucketFault::Latency(Duration::from_millis(150)),
        FaultTarget::Any,
        1,
        None,
    );
    let started = std::time::Instant::now();
    let _ = store
        .compare_and_swap("alice", None, grant(1))
        .await
        .expect("write");
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(
        store
            .load("alice")
            .await
            .expect("load")
            .expect("stored")
            .version,
        1
    );
}

type Sample = (String, Vec<(String, String)>, DebugValue);

fn count(snapshot: &[Sample], labels: &[(&str, &str)]) -> u64 {
    snapshot
        .iter()
        .filter(|(name, have, _)| {
            name == "oauth_bucket_sync_total"
                && labels
                    .iter()
                    .all(|(k, v)| have.iter().any(|(hk, hv)| hk == k && hv == v))
        })
        .map(|(_, _, value)| match value {
            DebugValue::Counter(n) => *n,
            _ => 0,
        })
        .sum()
}

#[test]
fn sync_outcomes_are_counted_by_operation_and_outcome() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let fixture = s3().await;
            let store = fixture.open().await;
            let _ = store
                .compare_and_swap("alice", None, grant(1))
                .await
                .expect("write");
            let _ = store
                .compare_and_swap("alice", None, grant(2))
                .await
                .expect("conflict");
            let outage = fixture.server().faults().outage();
            let _ = store.load("alice").await.expect_err("down");
            drop(outage);
        });
    });
    let snapshot: Vec<Sample> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let key = key.key();
            let labels = key
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            (key.name().to_owned(), labels, value)
        })
        .collect();
    assert_eq!(
        count(&snapshot, &[("operation", "write"), ("outcome", "ok")]),
        1
    );
    assert_eq!(
        count(
            &snapshot,
            &[("operation", "write"), ("outcome", "conflict")]
        ),
        1
    );
    assert_eq!(
        count(
            &snapshot,
            &[("operation", "load"), ("outcome", "failed_retriable")]
        ),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_opened_from_its_spec_reports_the_date_the_bucket_answered_with() {
    let fixture = s3().await;
    let server = fixture.server();
    // The bucket's clock 10 minutes ahead of this machine's: the store must
    // report the bucket's time, which a broker with a wrong clock uses to
    // place what it reads.
    let ahead = Duration::from_secs(600);
    server
        .clock()
        .follow(move || std::time::SystemTime::now() + ahead);
    let credentials = server.credentials();
    let location = reference_impl::BucketLocation::parse(&format!(
        "s3://{}/dated?endpoint={}",
        server.bucket(),
        server.endpoint()
    ))
    .expect("an S3 location");
    let dates = reference_impl::ServerDates::default();
    let (objects, prefix) = location
        .open_dated(
            Some((&credentials.access_key_id, &credentials.secret_access_key)),
            &dates,
        )
        .expect("an S3 client");
    let store =
        reference_impl::BucketStore::new(objects, &prefix, reference_impl::Keyring::generate("k"))
            .with_server_dates(dates);
    assert_eq!(store.server_date(), None, "nothing asked yet");

    store.load("alice").await.expect("an empty load");

    let date = store.server_date().expect("the bucket dated its answer");
    let now = std::time::SystemTime::now();
    assert!(date > now + Duration::from_secs(590), "{date:?} vs {now:?}");
    assert!(date < now + Duration::from_secs(610), "{date:?} vs {now:?}");
}
