use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

use super::StoreError;

/// Embedded migrations, applied in order and recorded in `oauth_store_migrations`.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE oauth_grants (
        account    TEXT PRIMARY KEY,
        version    BIGINT NOT NULL CHECK (version >= 0),
        kid        TEXT NOT NULL,
        nonce      BYTEA NOT NULL,
        ciphertext BYTEA NOT NULL
    );
    CREATE TABLE oauth_refresh_leases (
        account       TEXT PRIMARY KEY,
        holder        TEXT NOT NULL,
        fencing_token BIGINT NOT NULL,
        expires_at    TIMESTAMPTZ NOT NULL
    );
"];

/// Any fixed number works; it only has to be the same in every broker process.
const MIGRATION_LOCK: i64 = 0x6f61_7574_6863_6873;

/// Applies pending migrations in one transaction under an advisory lock.
pub(super) async fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let transaction = client.transaction().await.map_err(pg_error)?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(pg_error)?;
    transaction
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS oauth_store_migrations (version INTEGER PRIMARY KEY)",
        )
        .await
        .map_err(pg_error)?;
    let done: i64 = transaction
        .query_one("SELECT count(*) FROM oauth_store_migrations", &[])
        .await
        .map_err(pg_error)?
        .get(0);
    let done = usize::try_from(done).unwrap_or(0);
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(done) {
        transaction
            .batch_execute(migration)
            .await
            .map_err(pg_error)?;
        let version = i32::try_from(index + 1).unwrap_or(i32::MAX);
        transaction
            .execute(
                "INSERT INTO oauth_store_migrations (version) VALUES ($1)",
                &[&version],
            )
            .await
            .map_err(pg_error)?;
    }
    transaction.commit().await.map_err(pg_error)
}

/// A server that refuses writes (read-only transaction or replica, full disk) is
/// [`StoreError::ReadOnly`]; anything else [`StoreError::Unavailable`].
pub(super) fn pg_error(error: tokio_postgres::Error) -> StoreError {
    let refuses_writes = error.code().is_some_and(|code| {
        [
            SqlState::READ_ONLY_SQL_TRANSACTION,
            SqlState::DISK_FULL,
            SqlState::INSUFFICIENT_PRIVILEGE,
        ]
        .contains(code)
    });
    if refuses_writes {
        tracing::warn!(%error, "postgres token store refuses writes");
        return StoreError::ReadOnly;
    }
    StoreError::unavailable(error)
}
