use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls};

use super::sql::{decode_labels, encode_labels, millis, to_i64, to_u64};
use super::{
    Fence, MailboxCommit, MailboxError, MailboxStore, OutboxEntry, OutboxState, StoredMessage,
    SyncLease,
};

const SCHEMA: &str = "
SELECT pg_advisory_xact_lock(7243501);
CREATE TABLE IF NOT EXISTS mailbox_messages (
    account TEXT NOT NULL, id TEXT NOT NULL, thread_id TEXT NOT NULL, label_ids TEXT NOT NULL,
    history_id BIGINT NOT NULL, internal_date BIGINT NOT NULL, raw BYTEA NOT NULL,
    PRIMARY KEY (account, id));
CREATE TABLE IF NOT EXISTS mailbox_cursors (account TEXT PRIMARY KEY, history_id BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS mailbox_leases (
    account TEXT PRIMARY KEY, holder TEXT NOT NULL, fence BIGINT NOT NULL, expires_ms BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS mailbox_outbox (
    seq BIGSERIAL PRIMARY KEY, entry_id TEXT NOT NULL UNIQUE, account TEXT NOT NULL,
    message_id TEXT NOT NULL, raw BYTEA NOT NULL, state TEXT NOT NULL, detail TEXT, status BIGINT);
";

/// A [`MailboxStore`] in PostgreSQL, for deployments where several sync workers (in
/// several processes or hosts) share one mailbox database.
///
/// The sync lease is a row per account with an expiry and a fence that grows on every
/// takeover; each commit re-reads the fence under `FOR SHARE` inside its transaction,
/// so a worker whose lease was taken over cannot commit anything.
#[derive(Debug, Clone)]
pub struct PostgresMailbox {
    client: Arc<Mutex<Client>>,
}

fn pg(operation: &'static str) -> impl Fn(tokio_postgres::Error) -> MailboxError {
    move |error| MailboxError::backend(operation, error)
}

impl PostgresMailbox {
    /// Connects with a libpq-style connection string (`host=… port=… user=… dbname=…`
    /// or a `postgresql://` URL) and creates the tables if they are missing.
    ///
    /// # Errors
    ///
    /// [`MailboxError::Backend`] if the connection or the schema creation fails.
    pub async fn connect(config: &str) -> Result<Self, MailboxError> {
        let (mut client, connection) = tokio_postgres::connect(config, NoTls)
            .await
            .map_err(pg("connect"))?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::warn!(%error, "postgres mailbox connection ended");
            }
        });
        let tx = client.transaction().await.map_err(pg("create schema"))?;
        tx.batch_execute(SCHEMA)
            .await
            .map_err(pg("create schema"))?;
        tx.commit().await.map_err(pg("create schema"))?;
        Ok(Self {
            client: Arc::new(Mutex::new(client)),
        })
    }
}

#[async_trait]
impl MailboxStore for PostgresMailbox {
    async fn cursor(&self, account: &str) -> Result<Option<u64>, MailboxError> {
        let client = self.client.lock().await;
        let row = client
            .query_opt(
                "SELECT history_id FROM mailbox_cursors WHERE account = $1",
                &[&account],
            )
            .await
            .map_err(pg("cursor"))?;
        row.map(|row| to_u64(row.get(0), account)).transpose()
    }

    async fn commit(&self, account: &str, commit: MailboxCommit) -> Result<(), MailboxError> {
        let err = pg("commit");
        let mut client = self.client.lock().await;
        let tx = client.transaction().await.map_err(&err)?;
        if let Some(Fence(fence)) = commit.fence {
            let current: Option<i64> = tx
                .query_opt(
                    "SELECT fence FROM mailbox_leases WHERE account = $1 FOR SHARE",
                    &[&account],
                )
                .await
                .map_err(&err)?
                .map(|row| row.get(0));
            if current != Some(to_i64(fence)) {
                return Err(MailboxError::LeaseLost {
                    account: account.to_owned(),
                    fence,
                });
            }
        }
        if let Some(keep) = &commit.keep_only {
            tx.execute(
                "DELETE FROM mailbox_messages WHERE account = $1 AND NOT (id = ANY($2))",
                &[&account, keep],
            )
            .await
            .map_err(&err)?;
        }
        if !commit.deletes.is_empty() {
            tx.execute(
                "DELETE FROM mailbox_messages WHERE account = $1 AND id = ANY($2)",
                &[&account, &commit.deletes],
            )
            .await
            .map_err(&err)?;
        }
        if !commit.upserts.is_empty() {
            let ids: Vec<&str> = commit.upserts.iter().map(|m| m.id.as_str()).collect();
            let threads: Vec<&str> = commit
                .upserts
                .iter()
                .map(|m| m.thread_id.as_str())
                .collect();
            let labels: Vec<String> = commit
                .upserts
                .iter()
                .map(|m| encode_labels(&m.label_ids))
                .collect();
            let history: Vec<i64> = commit
                .upserts
                .iter()
                .map(|m| to_i64(m.history_id))
                .collect();
            let dates: Vec<i64> = commit.upserts.iter().map(|m| m.internal_date).collect();
            let raws: Vec<&[u8]> = commit.upserts.iter().map(|m| m.raw.as_slice()).collect();
            // One statement per batch: UNNEST turns the column arrays back into rows.
            tx.execute(
                "INSERT INTO mailbox_messages (account, id, thread_id, label_ids, history_id, internal_date, raw)
                 SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::bytea[])
                 ON CONFLICT (account, id) DO UPDATE SET thread_id = excluded.thread_id,
                   label_ids = excluded.label_ids, history_id = excluded.history_id,
                   internal_date = excluded.internal_date, raw = excluded.raw",
                &[&account, &ids, &threads, &labels, &history, &dates, &raws],
            )
            .await
            .map_err(&err)?;
        }
        if let Some(cursor) = commit.cursor {
            tx.execute(
                "INSERT INTO mailbox_cursors (account, history_id) VALUES ($1, $2)
                 ON CONFLICT (account) DO UPDATE SET history_id = excluded.history_id",
                &[&account, &to_i64(cursor)],
            )
            .await
            .map_err(&err)?;
        }
        tx.commit().await.map_err(&err)
    }

    async fn messages(&self, account: &str) -> Result<Vec<StoredMessage>, MailboxError> {
        let client = self.client.lock().await;
        let rows = client
            .query(
                "SELECT id, thread_id, label_ids, history_id, internal_date, raw
                 FROM mailbox_messages WHERE account = $1 ORDER BY id COLLATE \"C\"",
                &[&account],
            )
            .await
            .map_err(pg("messages"))?;
        rows.into_iter()
            .map(|row| {
                let id: String = row.get(0);
                Ok(StoredMessage {
                    thread_id: row.get(1),
                    label_ids: decode_labels(row.get(2), &id)?,
                    history_id: to_u64(row.get(3), &id)?,
                    internal_date: row.get(4),
                    raw: row.get(5),
                    id,
                })
            })
            .collect()
    }

    async fn acquire_lease(
        &self,
        account: &str,
        holder: &str,
        ttl: Duration,
        now: SystemTime,
    ) -> Result<Option<SyncLease>, MailboxError> {
        let client = self.client.lock().await;
        // One statement, so two workers racing for a free lease cannot both win.
        let row = client
            .query_opt(
                "INSERT INTO mailbox_leases (account, holder, fence, expires_ms) VALUES ($1, $2, 1, $4)
                 ON CONFLICT (account) DO UPDATE SET holder = excluded.holder,
                   fence = mailbox_leases.fence + 1, expires_ms = excluded.expires_ms
                 WHERE mailbox_leases.holder = excluded.holder OR mailbox_leases.expires_ms <= $3
                 RETURNING fence",
                &[&account, &holder, &millis(now), &millis(now + ttl)],
            )
            .await
            .map_err(pg("acquire lease"))?;
        row.map(|row| {
            Ok(SyncLease {
                account: account.to_owned(),
                holder: holder.to_owned(),
                fence: Fence(to_u64(row.get(0), account)?),
            })
        })
        .transpose()
    }

    async fn release_lease(&self, lease: &SyncLease) -> Result<(), MailboxError> {
        let client = self.client.lock().await;
        client
            .execute(
                "UPDATE mailbox_leases SET expires_ms = 0 WHERE account = $1 AND fence = $2",
                &[&lease.account, &to_i64(lease.fence.0)],
            )
            .await
            .map_err(pg("release lease"))?;
        Ok(())
    }

    async fn outbox_insert(&self, entry: &OutboxEntry) -> Result<(), MailboxError> {
        let client = self.client.lock().await;
        let (detail, status) = entry.state.columns();
        client
            .execute(
                "INSERT INTO mailbox_outbox (entry_id, account, message_id, raw, state, detail, status)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (entry_id) DO NOTHING",
                &[&entry.entry_id, &entry.account, &entry.message_id, &entry.raw,
                    &entry.state.name(), &detail, &status],
            )
            .await
            .map_err(pg("outbox insert"))?;
        Ok(())
    }

    async fn outbox_set_state(
        &self,
        entry_id: &str,
        state: &OutboxState,
    ) -> Result<(), MailboxError> {
        let client = self.client.lock().await;
        let (detail, status) = state.columns();
        let changed = client
            .execute(
                "UPDATE mailbox_outbox SET state = $2, detail = $3, status = $4 WHERE entry_id = $1",
                &[&entry_id, &state.name(), &detail, &status],
            )
            .await
            .map_err(pg("outbox set state"))?;
        if changed == 0 {
            return Err(MailboxError::UnknownOutboxEntry {
                entry_id: entry_id.to_owned(),
            });
        }
        Ok(())
    }

    async fn outbox_entries(&self, account: &str) -> Result<Vec<OutboxEntry>, MailboxError> {
        let client = self.client.lock().await;
        let rows = client
            .query(
                "SELECT entry_id, message_id, raw, state, detail, status FROM mailbox_outbox
                 WHERE account = $1 ORDER BY seq",
                &[&account],
            )
            .await
            .map_err(pg("outbox entries"))?;
        rows.into_iter()
            .map(|row| {
                let entry_id: String = row.get(0);
                let name: String = row.get(3);
                let state =
                    OutboxState::from_columns(&name, row.get(4), row.get(5)).ok_or_else(|| {
                        MailboxError::Corrupt {
                            key: entry_id.clone(),
                            problem: format!("unknown outbox state `{name}`"),
                        }
                    })?;
                Ok(OutboxEntry {
                    entry_id,
                    account: account.to_owned(),
                    message_id: row.get(1),
                    raw: row.get(2),
                    state,
                })
            })
            .collect()
    }
}
