//! Metric names and the few places that emit them, through the `metrics` facade.
//!
//! The library installs no recorder: without one these calls cost next to nothing.
//! Install any `metrics` exporter (Prometheus, StatsD, …) in your binary to collect:
//!
//! | name | type | labels | meaning |
//! |---|---|---|---|
//! | `oauth_broker_refreshes_total` | counter | `outcome` = ok, adopted, transient, revoked, storage, protocol | finished refreshes |
//! | `oauth_broker_refresh_retries_total` | counter | `urgency` = normal, warning, emergency | inline retries of transient failures |
//! | `oauth_broker_forced_refreshes_total` | counter | | refreshes forced by an api 401 |
//! | `oauth_broker_persist_failures_total` | counter | | grant writes that failed |
//! | `oauth_broker_clock_regressions_total` | counter | | times the clock went backwards |
//! | `oauth_broker_refresh_duration_seconds` | histogram | | refresh time, retries included |
//! | `oauth_broker_time_to_expiry_seconds` | gauge | `account` | remaining token life, at refresh and at each `status()` |
//! | `oauth_broker_alert` | gauge | `account`, `alert` = expiring_with_failures | 1 while the alert is raised, 0 otherwise, at each `status()` |

use std::time::{Duration, SystemTime};

use super::error::ErrorKind;
use super::retry::Urgency;

pub(super) fn outcome_label(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Transient => "transient",
        ErrorKind::Revoked => "revoked",
        ErrorKind::Storage => "storage",
        ErrorKind::Protocol | ErrorKind::UnknownAccount => "protocol",
    }
}

pub(super) fn refresh_outcome(outcome: &'static str) {
    metrics::counter!("oauth_broker_refreshes_total", "outcome" => outcome).increment(1);
}

pub(super) fn retry(urgency: Urgency) {
    metrics::counter!("oauth_broker_refresh_retries_total", "urgency" => urgency.label())
        .increment(1);
}

pub(super) fn forced_refresh() {
    metrics::counter!("oauth_broker_forced_refreshes_total").increment(1);
}

pub(super) fn persist_failure() {
    metrics::counter!("oauth_broker_persist_failures_total").increment(1);
}

pub(super) fn clock_regression() {
    metrics::counter!("oauth_broker_clock_regressions_total").increment(1);
}

pub(super) fn refresh_duration(elapsed: Duration) {
    metrics::histogram!("oauth_broker_refresh_duration_seconds").record(elapsed.as_secs_f64());
}

pub(super) fn time_to_expiry(account: &str, expires_at: SystemTime, now: SystemTime) {
    let remaining = expires_at
        .duration_since(now)
        .map_or(0.0, |remaining| remaining.as_secs_f64());
    metrics::gauge!("oauth_broker_time_to_expiry_seconds", "account" => account.to_owned())
        .set(remaining);
}

pub(super) fn alert(account: &str, alert: &'static str, raised: bool) {
    metrics::gauge!("oauth_broker_alert", "account" => account.to_owned(), "alert" => alert)
        .set(if raised { 1.0 } else { 0.0 });
}
