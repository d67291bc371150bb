use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::sql::{decode_labels, encode_labels, millis, to_i64, to_u64};
use super::{
    Fence, MailboxCommit, MailboxError, MailboxStore, OutboxEntry, OutboxState, StoredMessage,
    SyncLease,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS mailbox_messages (
    account TEXT NOT NULL, id TEXT NOT NULL, thread_id TEXT NOT NULL, label_ids TEXT NOT NULL,
    history_id INTEGER NOT NULL, internal_date INTEGER NOT NULL, raw BLOB NOT NULL,
    PRIMARY KEY (account, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mailbox_cursors (account TEXT PRIMARY KEY, history_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS mailbox_leases (
    account TEXT PRIMARY KEY, holder TEXT NOT NULL, fence INTEGER NOT NULL, expires_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS mailbox_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, entry_id TEXT NOT NULL UNIQUE, account TEXT NOT NULL,
    message_id TEXT NOT NULL, raw BLOB NOT NULL, state TEXT NOT NULL, detail TEXT, status INTEGER);
";

/// The embedded default [`MailboxStore`]: one SQLite file in WAL mode.
///
/// Calls run on tokio's blocking pool. Each commit is one SQLite transaction with
/// prepared statements, so a process killed at any instant leaves the file at the last
/// committed state. `synchronous = NORMAL` survives process crashes (kill -9); use
/// [`SqliteMailbox::open_with_full_sync`] to also survive power loss.
///
/// ```
/// use reference_impl::{MailboxStore, SqliteMailbox};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), reference_impl::MailboxError> {
/// let dir = tempfile::tempdir().unwrap();
/// let store = SqliteMailbox::open(dir.path().join("mailbox.db"))?;
/// assert_eq!(store.cursor("alice").await?, None);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteMailbox {
    connection: Arc<Mutex<Connection>>,
}

impl SqliteMailbox {
    /// Opens (creating if needed) the database at `path`.
    ///
    /// # Errors
    ///
    /// [`MailboxError::Backend`] if the file cannot be opened or the schema created.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, MailboxError> {
        Self::open_with(path.as_ref(), "NORMAL")
    }

    /// Like [`open`](Self::open) with `synchronous = FULL` (fsync on every commit).
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    pub fn open_with_full_sync(path: impl AsRef<Path>) -> Result<Self, MailboxError> {
        Self::open_with(path.as_ref(), "FULL")
    }

    fn open_with(path: &Path, synchronous: &str) -> Result<Self, MailboxError> {
        // Another process may be mid-write on the same file: switching to WAL
        // then fails at once with "database is locked" (SQLite skips its busy
        // handler for that), so switch only when needed and retry briefly.
        let mut attempt = 0;
        let connection = loop {
            attempt += 1;
            match open_connection(path, synchronous) {
                Err(error) if attempt < OPEN_ATTEMPTS && is_busy(&error) => {
                    std::thread::sleep(OPEN_RETRY_PAUSE);
                }
                other => break other,
            }
        }
        .map_err(|error| MailboxError::backend("open", error))?;
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// Runs `work` with the connection on the blocking pool.
    async fn with<T: Send + 'static>(
        &self,
        operation: &'static str,
        work: impl FnOnce(&mut Connection) -> Result<T, MailboxError> + Send + 'static,
    ) -> Result<T, MailboxError> {
        let connection = Arc::clone(&self.connection);
        tokio::task::spawn_blocking(move || {
            let mut connection = connection
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            work(&mut connection)
        })
        .await
        .map_err(|error| MailboxError::backend(operation, error))?
    }
}

/// How often [`SqliteMailbox::open`] tries a busy file before giving up.
const OPEN_ATTEMPTS: u32 = 50;
/// Pause between those tries.
const OPEN_RETRY_PAUSE: Duration = Duration::from_millis(20);

fn open_connection(path: &Path, synchronous: &str) -> rusqlite::Result<Connection> {
    let connection = Connection::open(path)?;
    connection.busy_timeout(Duration::from_secs(10))?;
    let mode: String = connection.pragma_query_value(None, "journal_mode", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        connection
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
    }
    connection.pragma_update(None, "synchronous", synchronous)?;
    connection.execute_batch(SCHEMA)?;
    Ok(connection)
}

fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn sql(operation: &'static str) -> impl Fn(rusqlite::Error) -> MailboxError {
    move |error| MailboxError::backend(operation, error)
}

fn apply_commit(
    tx: &Transaction<'_>,
    account: &str,
    commit: MailboxCommit,
) -> Result<(), MailboxError> {
    let err = sql("commit");
    if let Some(Fence(fence)) = commit.fence {
        let current: Option<i64> = tx
            .query_row(
                "SELECT fence FROM mailbox_leases WHERE account = ?1",
                [account],
                |row| row.get(0),
            )
            .optional()
            .map_err(&err)?;
        if current != Some(to_i64(fence)) {
            return Err(MailboxError::LeaseLost {
                account: account.to_owned(),
                fence,
            });
        }
    }
    if let Some(keep) = &commit.keep_only {
        tx.execute_batch("CREATE TEMP TABLE IF NOT EXISTS keep_ids (id TEXT PRIMARY KEY); DELETE FROM temp.keep_ids;")
            .map_err(&err)?;
        let mut insert = tx
            .prepare_cached("INSERT OR IGNORE INTO temp.keep_ids (id) VALUES (?1)")
            .map_err(&err)?;
        for id in keep {
            insert.execute([id]).map_err(&err)?;
        }
        tx.execute(
            "DELETE FROM mailbox_messages WHERE account = ?1 AND id NOT IN (SELECT id FROM temp.keep_ids)",
            [account],
        )
        .map_err(&err)?;
    }
    let mut delete = tx
        .prepare_cached("DELETE FROM mailbox_messages WHERE account = ?1 AND id = ?2")
        .map_err(&err)?;
    for id in &commit.deletes {
        delete.execute(params![account, id]).map_err(&err)?;
    }
    let mut upsert = tx
        .prepare_cached(
            "INSERT INTO mailbox_messages (account, id, thread_id, label_ids, history_id, internal_date, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (account, id) DO UPDATE SET thread_id = excluded.thread_id,
               label_ids = excluded.label_ids, history_id = excluded.history_id,
               internal_date = excluded.internal_date, raw = excluded.raw",
        )
        .map_err(&err)?;
    for m in &commit.upserts {
        upsert
            .execute(params![
                account,
                m.id,
                m.thread_id,
                encode_labels(&m.label_ids),
                to_i64(m.history_id),
                m.internal_date,
                m.raw
            ])
            .map_err(&err)?;
    }
    if let Some(cursor) = commit.cursor {
        tx.execute(
            "INSERT INTO mailbox_cursors (account, history_id) VALUES (?1, ?2)
             ON CONFLICT (account) DO UPDATE SET history_id = excluded.history_id",
            params![account, to_i64(cursor)],
        )
        .map_err(&err)?;
    }
    Ok(())
}

#[async_trait]
impl MailboxStore for SqliteMailbox {
    async fn cursor(&self, account: &str) -> Result<Option<u64>, MailboxError> {
        let account = account.to_owned();
        self.with("cursor", move |c| {
            let cursor: Option<i64> = c
                .query_row(
                    "SELECT history_id FROM mailbox_cursors WHERE account = ?1",
                    [&account],
                    |row| row.get(0),
                )
                .optional()
                .map_err(sql("cursor"))?;
            cursor.map(|value| to_u64(value, &account)).transpose()
        })
        .await
    }

    async fn commit(&self, account: &str, commit: MailboxCommit) -> Result<(), MailboxError> {
        let account = account.to_owned();
        self.with("commit", move |c| {
            let tx = c.transaction().map_err(sql("commit"))?;
            apply_commit(&tx, &account, commit)?;
            tx.commit().map_err(sql("commit"))
        })
        .await
    }

    async fn messages(&self, account: &str) -> Result<Vec<StoredMessage>, MailboxError> {
        let account = account.to_owned();
        self.with("messages", move |c| {
            let mut statement = c
                .prepare_cached(
                    "SELECT id, thread_id, label_ids, history_id, internal_date, raw
                     FROM mailbox_messages WHERE account = ?1 ORDER BY id",
                )
                .map_err(sql("messages"))?;
            let rows = statement
                .query_map([&account], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, i64>(3)?,
                        row.get::<_, i64>(4)?,
                        row.get::<_, Vec<u8>>(5)?,
                    ))
                })
                .map_err(sql("messages"))?;
            rows.map(|row| {
                let (id, thread_id, labels, history_id, internal_date, raw) =
                    row.map_err(sql("messages"))?;
                Ok(StoredMessage {
                    label_ids: decode_labels(&labels, &id)?,
                    history_id: to_u64(history_id, &id)?,
                    id,
                    thread_id,
                    internal_date,
                    raw,
                })
            })
            .collect()
        })
        .await
    }

    async fn acquire_lease(
        &self,
        account: &str,
        holder: &str,
        ttl: Duration,
        now: SystemTime,
    ) -> Result<Option<SyncLease>, MailboxError> {
        let (account, holder) = (account.to_owned(), holder.to_owned());
        let (now_ms, expires_ms) = (millis(now), millis(now + ttl));
        self.with("acquire lease", move |c| {
            let err = sql("acquire lease");
            let tx = c
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(&err)?;
            let row: Option<(String, i64, i64)> = tx
                .query_row(
                    "SELECT holder, fence, expires_ms FROM mailbox_leases WHERE account = ?1",
                    [&account],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()
                .map_err(&err)?;
            if let Some((current, _, expires)) = &row {
                if *current != holder && *expires > now_ms {
                    return Ok(None);
                }
            }
            let fence = row.map_or(1, |(_, fence, _)| fence + 1);
            tx.execute(
                "INSERT INTO mailbox_leases (account, holder, fence, expires_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account) DO UPDATE SET holder = excluded.holder,
                   fence = excluded.fence, expires_ms = excluded.expires_ms",
                params![account, holder, fence, expires_ms],
            )
            .map_err(&err)?;
            tx.commit().map_err(&err)?;
            Ok(Some(SyncLease {
                fence: Fence(to_u64(fence, &account)?),
                account,
                holder,
            }))
        })
        .await
    }

    async fn release_lease(&self, lease: &SyncLease) -> Result<(), MailboxError> {
        let lease = lease.clone();
        self.with("release lease", move |c| {
            c.execute(
                "UPDATE mailbox_leases SET expires_ms = 0 WHERE account = ?1 AND fence = ?2",
                params![lease.account, to_i64(lease.fence.0)],
            )
            .map_err(sql("release lease"))?;
            Ok(())
        })
        .await
    }

    async fn outbox_insert(&self, entry: &OutboxEntry) -> Result<(), MailboxError> {
        let entry = entry.clone();
        self.with("outbox insert", move |c| {
            let (detail, status) = entry.state.columns();
            c.execute(
                "INSERT INTO mailbox_outbox (entry_id, account, message_id, raw, state, detail, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (entry_id) DO NOTHING",
                params![entry.entry_id, entry.account, entry.message_id, entry.raw,
                    entry.state.name(), detail, status],
            )
            .map_err(sql("outbox insert"))?;
            Ok(())
        })
        .await
    }

    async fn outbox_set_state(
        &self,
        entry_id: &str,
        state: &OutboxState,
    ) -> Result<(), MailboxError> {
        let (entry_id, state) = (entry_id.to_owned(), state.clone());
        self.with("outbox set state", move |c| {
            let (detail, status) = state.columns();
            let changed = c
                .execute(
                    "UPDATE mailbox_outbox SET state = ?2, detail = ?3, status = ?4 WHERE entry_id = ?1",
                    params![entry_id, state.name(), detail, status],
                )
                .map_err(sql("outbox set state"))?;
            if changed == 0 {
                return Err(MailboxError::UnknownOutboxEntry { entry_id });
            }
            Ok(())
        })
        .await
    }

    async fn outbox_entries(&self, account: &str) -> Result<Vec<OutboxEntry>, MailboxError> {
        let account = account.to_owned();
        self.with("outbox entries", move |c| {
            let err = sql("outbox entries");
            let mut statement = c
                .prepare_cached(
                    "SELECT entry_id, message_id, raw, state, detail, status FROM mailbox_outbox
                     WHERE account = ?1 ORDER BY seq",
                )
                .map_err(&err)?;
            let rows = statement
                .query_map([&account], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, Vec<u8>>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, Option<String>>(4)?,
                        row.get::<_, Option<i64>>(5)?,
                    ))
                })
                .map_err(&err)?;
            rows.map(|row| {
                let (entry_id, message_id, raw, state, detail, status) = row.map_err(&err)?;
                let state = OutboxState::from_columns(&state, detail, status).ok_or_else(|| {
                    MailboxError::Corrupt {
                        key: entry_id.clone(),
                        problem: format!("unknown outbox state `{state}`"),
                    }
                })?;
                Ok(OutboxEntry {
                    entry_id,
                    account: account.clone(),
                    message_id,
                    raw,
                    state,
                })
            })
            .collect()
        })
        .await
    }
}
