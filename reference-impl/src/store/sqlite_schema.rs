use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// Embedded migrations, applied in order; `PRAGMA user_version` counts those done.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE grants (
        account    TEXT PRIMARY KEY NOT NULL,
        version    INTEGER NOT NULL CHECK (version >= 0),
        kid        TEXT NOT NULL,
        nonce      BLOB NOT NULL,
        ciphertext BLOB NOT NULL
    );
    CREATE TABLE leases (
        account       TEXT PRIMARY KEY NOT NULL,
        holder        TEXT NOT NULL,
        fencing_token INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL
    );
"];

/// Brings the schema up to date inside one immediate transaction, so two processes
/// opening a fresh file at once do not both migrate.
pub(super) fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sqlite_error)?;
    let done: i64 = transaction
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(sqlite_error)?;
    let done = usize::try_from(done).unwrap_or(0);
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(done) {
        transaction.execute_batch(migration).map_err(sqlite_error)?;
        transaction
            .pragma_update(None, "user_version", index + 1)
            .map_err(sqlite_error)?;
    }
    transaction.commit().map_err(sqlite_error)
}

/// A database that refuses writes (read-only file or filesystem, full disk) is
/// [`StoreError::ReadOnly`]; anything else [`StoreError::Unavailable`].
pub(super) fn sqlite_error(error: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match error.sqlite_error_code() {
        Some(ErrorCode::ReadOnly | ErrorCode::DiskFull | ErrorCode::PermissionDenied) => {
            tracing::warn!(%error, "sqlite token store refuses writes");
            StoreError::ReadOnly
        }
        _ => StoreError::unavailable(error),
    }
}
