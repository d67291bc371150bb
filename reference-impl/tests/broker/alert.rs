//! The `expiring_with_failures` alert: raised when a token is within the
//! warning threshold and its refreshes keep failing, never for failures far
//! from expiry, cleared by the next success.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reference_impl::{ALERT_AFTER_FAILURES, Alert, MemoryStore, TokenBroker};

use crate::support::{ScriptedTransport, json_response, sim_broker};

async fn broker_with_switch() -> (TokenBroker, Arc<AtomicBool>) {
    let failing = Arc::new(AtomicBool::new(false));
    let switch = failing.clone();
    let transport = ScriptedTransport::new(Duration::from_millis(5), move |_| {
        if switch.load(Ordering::SeqCst) {
            json_response(503, serde_json::json!({"error": "backendError"}))
        } else {
            json_response(
                200,
                serde_json::json!({"access_token": "ya29.alert", "expires_in": 3599, "token_type": "Bearer"}),
            )
        }
    });
    let broker = sim_broker(transport, Arc::new(MemoryStore::new()), |c| c).await;
    (broker, failing)
}

fn alert(broker: &TokenBroker) -> Option<Alert> {
    broker.status()[0].alert
}

#[tokio::test(start_paused = true)]
async fn failures_far_from_expiry_raise_no_alert() {
    let (broker, failing) = broker_with_switch().await;
    let token = broker.access_token("alice").await.expect("first token");
    failing.store(true, Ordering::SeqCst);
    for _ in 0..ALERT_AFTER_FAILURES + 1 {
        let _ = broker.access_token_after_401("alice", &token).await;
        tokio::time::sleep(Duration::from_secs(120)).await;
    }
    let status = &broker.status()[0];
    assert!(
        status.consecutive_failures >= ALERT_AFTER_FAILURES,
        "{status:?}"
    );
    assert_eq!(status.alert, None, "no token near expiry, no alert");
}

#[tokio::test(start_paused = true)]
async fn repeated_failures_near_expiry_raise_the_alert_and_a_success_clears_it() {
    let (broker, failing) = broker_with_switch().await;
    broker.access_token("alice").await.expect("first token");
    assert_eq!(alert(&broker), None);

    // Into the warning threshold (2 minutes) with refreshes failing.
    failing.store(true, Ordering::SeqCst);
    let left = broker.status()[0].time_to_expiry.expect("a token");
    tokio::time::sleep(left - Duration::from_secs(110)).await;
    let mut raised_after = None;
    for step in 0..12 {
        let _ = broker.access_token("alice").await;
        if alert(&broker).is_some() {
            raised_after = Some(step);
            break;
        }
        assert!(
            broker.status()[0].consecutive_failures < ALERT_AFTER_FAILURES,
            "not raised although due: {:?}",
            broker.status()
        );
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    assert!(raised_after.is_some(), "{:?}", broker.status());
    assert_eq!(alert(&broker), Some(Alert::ExpiringWithFailures));
    assert_eq!(Alert::ExpiringWithFailures.name(), "expiring_with_failures");

    // The provider recovers: the next refresh clears it.
    failing.store(false, Ordering::SeqCst);
    for _ in 0..12 {
        let _ = broker.access_token("alice").await;
        if alert(&broker).is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    assert_eq!(alert(&broker), None, "{:?}", broker.status());
}
