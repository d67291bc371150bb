//! Token-generation latency, consecutive acquisition failures and alerts, per role.
//!
//! Numbers are kept here (served as JSON on `GET /v1/health`) and emitted through the
//! `metrics` facade (install any exporter to collect them):
//!
//! | name | type | labels | meaning |
//! |---|---|---|---|
//! | `oauth_relay_token_latency_seconds` | histogram | `role` | time to hand a consumer a token (cached or acquired) |
//! | `oauth_relay_consecutive_failures` | gauge | `role` | acquisition failures since the last success |
//! | `oauth_relay_alerts_total` | counter | `role` | alerts raised |
//! | `oauth_relay_alerting` | gauge | `role` | 1 while the role's failure streak has reached the alert threshold, else 0 |
//! | `oauth_relay_requests_total` | counter | `role`, `outcome` | consumer requests by outcome |

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// An alert: one role's acquisitions failed `consecutive_failures` times in a row.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RelayAlert {
    /// The role.
    pub role: String,
    /// The account behind it.
    pub account: String,
    /// Failures in a row when the alert was raised.
    pub consecutive_failures: u32,
    /// The last failure's category (`transient`, `revoked`, `storage`, `protocol`).
    pub last_error: &'static str,
}

/// Where alerts go (a pager, a webhook). Called once per failure streak, when it
/// reaches the threshold; must not block.
pub trait AlertSink: Send + Sync + fmt::Debug + 'static {
    /// Raises `alert`.
    fn alert(&self, alert: &RelayAlert);
}

/// The default sink: an `error` event through `tracing`.
#[derive(Debug, Default)]
pub struct LogAlerts;

impl AlertSink for LogAlerts {
    fn alert(&self, alert: &RelayAlert) {
        tracing::error!(
            role = %alert.role,
            account = %alert.account,
            failures = alert.consecutive_failures,
            last_error = alert.last_error,
            "token relay: consecutive acquisition failures reached the alert threshold"
        );
    }
}

/// One role's numbers, as `GET /v1/health` shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct RoleStats {
    /// Consumer requests answered with a token.
    pub served: u64,
    /// Consumer requests answered with an upstream failure.
    pub failed: u64,
    /// Acquisition failures since the last success (the broker's count).
    pub consecutive_failures: u32,
    /// An alert was raised for the current failure streak.
    pub alerting: bool,
    /// Latency of the last request, milliseconds.
    pub last_latency_ms: u64,
    /// The largest latency seen, milliseconds.
    pub max_latency_ms: u64,
    /// Sum of all latencies, milliseconds (divide by `served + failed` for the mean).
    pub total_latency_ms: u64,
}

#[derive(Debug, Default)]
pub(crate) struct RelayStats {
    roles: Mutex<BTreeMap<String, RoleStats>>,
}

impl RelayStats {
    fn roles(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, RoleStats>> {
        self.roles.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Books one request; returns `true` when this one should raise the alert.
    pub fn record(
        &self,
        role: &str,
        latency: Duration,
        served: bool,
        consecutive_failures: u32,
        alert_after: u32,
    ) -> bool {
        let millis = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        metrics::histogram!("oauth_relay_token_latency_seconds", "role" => role.to_owned())
            .record(latency.as_secs_f64());
        metrics::gauge!("oauth_relay_consecutive_failures", "role" => role.to_owned())
            .set(f64::from(consecutive_failures));
        let outcome = if served { "served" } else { "failed" };
        metrics::counter!("oauth_relay_requests_total", "role" => role.to_owned(), "outcome" => outcome)
            .increment(1);
        let mut roles = self.roles();
        let stats = roles.entry(role.to_owned()).or_default();
        if served {
            stats.served += 1;
        } else {
            stats.failed += 1;
        }
        stats.last_latency_ms = millis;
        stats.max_latency_ms = stats.max_latency_ms.max(millis);
        stats.total_latency_ms = stats.total_latency_ms.saturating_add(millis);
        stats.consecutive_failures = consecutive_failures;
        let alerting = metrics::gauge!("oauth_relay_alerting", "role" => role.to_owned());
        if consecutive_failures == 0 {
            stats.alerting = false;
            alerting.set(0.0);
            return false;
        }
        let raise = consecutive_failures >= alert_after && !stats.alerting;
        if raise {
            stats.alerting = true;
            metrics::counter!("oauth_relay_alerts_total", "role" => role.to_owned()).increment(1);
        }
        alerting.set(if stats.alerting { 1.0 } else { 0.0 });
        raise
    }

    pub fn snapshot(&self) -> BTreeMap<String, RoleStats> {
        self.roles().clone()
    }
}
