//! What every bucket operation did, logged and counted without secrets (account
//! names and reasons only).
//!
//! | name | type | labels | meaning |
//! |---|---|---|---|
//! | `oauth_bucket_sync_total` | counter | `operation` = load, write, delete, lease, reconcile; `outcome` = ok, conflict, skipped, failed_retriable, failed_permanent; `reason` (skipped only) | bucket operations by outcome |

use super::StoreError;
use super::bucket_errors::is_retriable;

/// Why a sync was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// The bucket failed recently; the local copy serves until the retry time.
    BucketDown,
    /// Both sides already hold the same version.
    InSync,
    /// The bucket holds a newer grant, which was adopted instead.
    BucketNewer,
}

impl SkipReason {
    fn label(self) -> &'static str {
        match self {
            Self::BucketDown => "bucket_down",
            Self::InSync => "in_sync",
            Self::BucketNewer => "bucket_newer",
        }
    }
}

/// Records an attempted operation's result.
pub(super) fn attempted<T>(operation: &'static str, account: &str, result: &Result<T, StoreError>) {
    match result {
        Ok(_) => count(operation, "ok", ""),
        Err(error) => failed(operation, account, error),
    }
}

pub(super) fn conflict(operation: &'static str, account: &str) {
    tracing::info!(
        account,
        operation,
        "bucket write lost a race; the newer grant is kept"
    );
    count(operation, "conflict", "");
}

pub(super) fn skipped(operation: &'static str, account: &str, reason: SkipReason) {
    tracing::debug!(
        account,
        operation,
        reason = reason.label(),
        "bucket sync skipped"
    );
    count(operation, "skipped", reason.label());
}

pub(super) fn failed(operation: &'static str, account: &str, error: &StoreError) {
    let retriable = is_retriable(error);
    tracing::warn!(account, operation, retriable, %error, "bucket sync failed");
    let outcome = if retriable {
        "failed_retriable"
    } else {
        "failed_permanent"
    };
    count(operation, outcome, "");
}

fn count(operation: &'static str, outcome: &'static str, reason: &'static str) {
    metrics::counter!(
        "oauth_bucket_sync_total",
        "operation" => operation,
        "outcome" => outcome,
        "reason" => reason
    )
    .increment(1);
}
