use std::error::Error as StdError;
use std::sync::Arc;

/// Why the mailbox store could not do what was asked.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum MailboxError {
    /// The backend failed (I/O, SQL, connection); nothing from the failed call was kept.
    #[error("the mailbox store failed during `{operation}`; nothing from this call was kept")]
    Backend {
        /// The store operation that failed.
        operation: &'static str,
        /// The backend's error.
        #[source]
        source: Arc<dyn StdError + Send + Sync>,
    },
    /// The commit's fence is no longer the account's lease: another worker took over.
    #[error(
        "the sync lease for account `{account}` was taken over (fence {fence}); this worker must stop"
    )]
    LeaseLost {
        /// The account.
        account: String,
        /// The fence the refused commit carried.
        fence: u64,
    },
    /// A stored row could not be read back (corrupt or written by a newer version).
    #[error("the stored row `{key}` is unreadable: {problem}")]
    Corrupt {
        /// Which row.
        key: String,
        /// What was wrong.
        problem: String,
    },
    /// No outbox entry has this id.
    #[error("no outbox entry has id `{entry_id}`")]
    UnknownOutboxEntry {
        /// The id asked for.
        entry_id: String,
    },
}

impl MailboxError {
    pub(crate) fn backend(
        operation: &'static str,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        Self::Backend {
            operation,
            source: Arc::new(source),
        }
    }
}
