//! The `bucket_fault` step: the run's token bucket (`store = "bucket"`)
//! meets a fault until a later `bucket_fault = { fault = "clear" }`; and
//! `cron_refresh_due`: the cron fallback (`reference-broker refresh-due`'s
//! pass) runs once against the bucket.

use schemars::JsonSchema;
use serde::Deserialize;
use std::time::Duration;

/// What the bucket does wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BucketFaultKind {
    /// `500 InternalError`.
    InternalError,
    /// `503 ServiceUnavailable`.
    ServiceUnavailable,
    /// `503 SlowDown` with S3's XML body.
    SlowDown,
    /// Each request waits `delay`.
    Latency,
    /// The connection is cut before the request is served.
    Reset,
    /// Writes are committed and their answers lost.
    AckLost,
    /// Every request fails: the bucket is down.
    Outage,
    /// Every bucket fault mounted so far is removed.
    Clear,
}

/// Which requests a bucket fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BucketFaultTarget {
    /// Every request.
    #[default]
    Any,
    /// Puts and deletes.
    Writes,
    /// Gets, heads and lists.
    Reads,
}

/// Parameters of `bucket_fault`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BucketFaultStep {
    /// The fault.
    pub fault: BucketFaultKind,
    /// Only every `every`-th matching request meets it (default 1: all).
    #[serde(default = "one")]
    pub every: u64,
    /// At most this many requests meet it (default: until `clear`).
    #[serde(default)]
    pub times: Option<u64>,
    /// Which requests (default `any`).
    #[serde(default)]
    pub only: BucketFaultTarget,
    /// For `latency`: how long each request waits.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub delay: Option<Duration>,
}

/// Parameters of `cron_refresh_due`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CronRefreshDue {
    /// Refresh tokens with less than this left (`refresh-due --within`).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub within: Duration,
}

fn one() -> u64 {
    1
}
