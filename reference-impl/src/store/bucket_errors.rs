//! object_store failures as [`StoreError`]s, and whether a retry may help.

use super::StoreError;

/// Maps an object_store failure: refused credentials or permissions are
/// [`StoreError::ReadOnly`] (retrying will not help; fix the bucket policy),
/// anything else [`StoreError::Unavailable`] carrying the cause (5xx,
/// SlowDown, timeouts, resets). The cause names paths, never object bodies.
pub(super) fn object_error(error: object_store::Error) -> StoreError {
    match error {
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => {
            tracing::warn!(%error, "the bucket refuses this client");
            StoreError::ReadOnly
        }
        other => StoreError::unavailable(other),
    }
}

/// Whether `error` may go away by itself (the sync log's `retriable`).
pub fn is_retriable(error: &StoreError) -> bool {
    matches!(error, StoreError::Unavailable { .. })
}
