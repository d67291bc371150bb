//! Status fields and metrics emitted through the `metrics` facade.

use std::sync::Arc;
use std::time::Duration;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use reference_impl::{AccountState, MemoryStore};

use crate::support::{ScriptedTransport, json_response, sim_broker};

/// A metric as (name, labels, value).
type Sample = (String, Vec<(String, String)>, DebugValue);

fn counter(snapshot: &[Sample], name: &str, label: (&str, &str)) -> u64 {
    snapshot
        .iter()
        .filter(|(key, labels, _)| {
            key == name && labels.iter().any(|(k, v)| k == label.0 && v == label.1)
        })
        .map(|(_, _, value)| match value {
            DebugValue::Counter(n) => *n,
            _ => 0,
        })
        .sum()
}

#[test]
fn refreshes_are_counted_by_outcome_and_expiry_is_a_gauge() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(async {
            let calls = std::sync::atomic::AtomicU32::new(0);
            let transport = ScriptedTransport::new(Duration::from_millis(5), move |_| {
                if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                    json_response(
                        200,
                        serde_json::json!({"access_token": "ya29.m", "expires_in": 3599, "token_type": "Bearer"}),
                    )
                } else {
                    json_response(400, serde_json::json!({"error": "invalid_grant"}))
                }
            });
            let broker = sim_broker(transport, Arc::new(MemoryStore::new()), |c| c).await;
            broker.access_token("alice").await.unwrap();
            broker.status();
            tokio::time::sleep(Duration::from_secs(3400)).await;
            broker.access_token("alice").await.unwrap_err();
            let status = &broker.status()[0];
            assert_eq!(status.state, AccountState::NeedsReauth);
            assert_eq!(status.failures.revoked, 1);
            assert_eq!(status.failures.transient, 0);
        });
    });
    let snapshot: Vec<_> = snapshotter
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
        counter(&snapshot, "oauth_broker_refreshes_total", ("outcome", "ok")),
        1
    );
    assert_eq!(
        counter(
            &snapshot,
            "oauth_broker_refreshes_total",
            ("outcome", "revoked")
        ),
        1
    );
    assert!(snapshot.iter().any(|(name, labels, value)| {
        name == "oauth_broker_time_to_expiry_seconds"
            && labels.contains(&("account".to_owned(), "alice".to_owned()))
            && matches!(value, DebugValue::Gauge(g) if g.into_inner() > 3000.0)
    }));
}

#[tokio::test(start_paused = true)]
async fn status_reports_token_age_time_to_expiry_and_failures_by_category() {
    let calls = std::sync::atomic::AtomicU32::new(0);
    let transport = ScriptedTransport::new(Duration::from_millis(5), move |_| {
        if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            json_response(
                200,
                serde_json::json!({"access_token": "ya29.s", "expires_in": 3599, "token_type": "Bearer"}),
            )
        } else {
            json_response(503, serde_json::json!({"error": "backend_error"}))
        }
    });
    let broker = sim_broker(transport, Arc::new(MemoryStore::new()), |c| c).await;
    broker.access_token("alice").await.unwrap();
    tokio::time::sleep(Duration::from_secs(600)).await;
    let status = broker.status()[0].clone();
    assert_eq!(status.state, AccountState::Ok);
    assert!(status.token_age.unwrap() >= Duration::from_secs(600));
    assert!(status.time_to_expiry.unwrap() <= Duration::from_secs(3000));

    tokio::time::sleep(Duration::from_secs(2700)).await;
    // Still 299 s left: a failed refresh serves the old token and is degraded.
    broker.access_token("alice").await.unwrap();
    let status = &broker.status()[0];
    assert_eq!(status.state, AccountState::Degraded);
    assert_eq!(status.failures.transient, 1);
    assert!(status.next_attempt_at.is_some());
}
