//! The local mailbox store: what the sync engine has copied from Gmail, the history
//! cursor that says how far it got, the per-account sync lease, and the outbox.
//!
//! `model.rs` holds the value types, `error.rs` the failures, and one file per backend
//! implements [`MailboxStore`]: `memory.rs` (sim mode: models durability, a commit is
//! all-or-nothing), `sqlite.rs` (the embedded default, blocking calls on
//! `spawn_blocking`) and `postgres.rs` (shared deployments; leases across processes).
//! All three pass the same conformance suite (`tests/mailbox_conformance.rs`).

mod error;
mod memory;
mod model;
mod postgres;
mod sql;
mod sqlite;

pub use self::error::MailboxError;
pub use self::memory::MemoryMailbox;
pub use self::model::{Fence, MailboxCommit, OutboxEntry, OutboxState, StoredMessage, SyncLease};
pub use self::postgres::PostgresMailbox;
pub use self::sqlite::SqliteMailbox;

use std::time::{Duration, SystemTime};

use async_trait::async_trait;

/// Durable storage for synced messages, the history cursor, leases and the outbox.
///
/// The contract every backend keeps:
///
/// - [`commit`](Self::commit) is one transaction: its upserts, deletions, optional
///   reconciliation and cursor move become visible together or not at all;
/// - upserts are keyed by Gmail message id and idempotent;
/// - a commit carrying a [`Fence`] is refused with [`MailboxError::LeaseLost`] unless
///   that fence is still the account's current lease, so a worker that lost its lease
///   can never write over the one that took it over.
///
/// ```
/// use reference_impl::{MailboxCommit, MailboxStore, MemoryMailbox, StoredMessage};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), reference_impl::MailboxError> {
/// let store = MemoryMailbox::new();
/// let message = StoredMessage {
///     id: "18c2a1".into(),
///     thread_id: "18c2a1".into(),
///     label_ids: vec!["INBOX".into()],
///     history_id: 1201,
///     internal_date: 1_700_000_000_000,
///     raw: b"Subject: hi\r\n\r\nhello".to_vec(),
/// };
/// let mut commit = MailboxCommit::default();
/// commit.upserts.push(message.clone());
/// commit.cursor = Some(1201);
/// store.commit("alice", commit).await?;
/// assert_eq!(store.cursor("alice").await?, Some(1201));
/// assert_eq!(store.messages("alice").await?, vec![message]);
/// # Ok(())
/// # }
/// ```
#[async_trait]
pub trait MailboxStore: Send + Sync + std::fmt::Debug + 'static {
    /// The history id partial sync starts from, or `None` before the first full sync.
    async fn cursor(&self, account: &str) -> Result<Option<u64>, MailboxError>;

    /// Applies `commit` atomically (see the trait docs).
    async fn commit(&self, account: &str, commit: MailboxCommit) -> Result<(), MailboxError>;

    /// Every stored message of `account`, sorted by id.
    async fn messages(&self, account: &str) -> Result<Vec<StoredMessage>, MailboxError>;

    /// Takes the sync lease for `account` if it is free or expired at `now`; the
    /// returned fence is larger than every fence handed out before for this account.
    /// `Ok(None)` means another holder has it.
    async fn acquire_lease(
        &self,
        account: &str,
        holder: &str,
        ttl: Duration,
        now: SystemTime,
    ) -> Result<Option<SyncLease>, MailboxError>;

    /// Gives the lease back early (a no-op if it was already taken over).
    async fn release_lease(&self, lease: &SyncLease) -> Result<(), MailboxError>;

    /// Stores a new outbox entry in state [`OutboxState::Pending`].
    async fn outbox_insert(&self, entry: &OutboxEntry) -> Result<(), MailboxError>;

    /// Moves an outbox entry to `state`.
    async fn outbox_set_state(
        &self,
        entry_id: &str,
        state: &OutboxState,
    ) -> Result<(), MailboxError>;

    /// Every outbox entry of `account`, oldest first.
    async fn outbox_entries(&self, account: &str) -> Result<Vec<OutboxEntry>, MailboxError>;
}
