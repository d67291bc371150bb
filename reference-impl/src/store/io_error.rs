use std::io;

use super::StoreError;

/// Maps an IO failure on the write path: a filesystem that refuses writes (read-only,
/// full, over quota, not permitted) is [`StoreError::ReadOnly`]; anything else is
/// [`StoreError::Unavailable`] carrying the cause.
pub(crate) fn write_error(error: io::Error) -> StoreError {
    const EPERM: i32 = 1;
    const EACCES: i32 = 13;
    const ENOSPC: i32 = 28;
    const EROFS: i32 = 30;
    const EDQUOT: i32 = 122;
    match error.raw_os_error() {
        Some(EPERM | EACCES | ENOSPC | EROFS | EDQUOT) => {
            tracing::warn!(%error, "token store refuses writes");
            StoreError::ReadOnly
        }
        _ => StoreError::unavailable(error),
    }
}

/// Maps an IO failure on the read path.
pub(crate) fn read_error(error: io::Error) -> StoreError {
    StoreError::unavailable(error)
}

/// Runs blocking store work off the async runtime; a panic or cancellation of the
/// blocking task becomes [`StoreError::Unavailable`].
pub(crate) async fn blocking<T, F>(work: F) -> Result<T, StoreError>
where
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(StoreError::unavailable)?
}
