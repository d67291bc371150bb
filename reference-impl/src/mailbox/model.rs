use std::fmt;

/// One Gmail message as the local mailbox keeps it (fetched with `format=raw`).
#[derive(Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// Gmail's message id: the key of every upsert.
    pub id: String,
    /// Gmail's thread id.
    pub thread_id: String,
    /// The message's labels, sorted.
    pub label_ids: Vec<String>,
    /// The message's `historyId` when it was fetched.
    pub history_id: u64,
    /// `internalDate`, epoch milliseconds.
    pub internal_date: i64,
    /// The RFC 822 bytes (decoded from base64url `raw`).
    pub raw: Vec<u8>,
}

impl fmt::Debug for StoredMessage {
    // The raw bytes are mail content; keep them out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredMessage")
            .field("id", &self.id)
            .field("thread_id", &self.thread_id)
            .field("label_ids", &self.label_ids)
            .field("history_id", &self.history_id)
            .field("internal_date", &self.internal_date)
            .field("raw_len", &self.raw.len())
            .finish()
    }
}

/// A lease-holder's proof of ownership, checked by every commit it makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fence(pub u64);

/// The per-account sync lease (see [`MailboxStore::acquire_lease`](super::MailboxStore::acquire_lease)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncLease {
    /// The account it covers.
    pub account: String,
    /// Who holds it.
    pub holder: String,
    /// The fence every commit under this lease carries.
    pub fence: Fence,
}

/// Everything one transaction changes (see [`MailboxStore::commit`](super::MailboxStore::commit)).
///
/// Order of application: `keep_only` reconciliation, then `deletes`, then `upserts`,
/// then `cursor`.
#[derive(Debug, Clone, Default)]
pub struct MailboxCommit {
    /// Only commit if this fence is still the account's lease.
    pub fence: Option<Fence>,
    /// When set, every stored message whose id is not in this list is deleted (the
    /// reconciliation at the end of a full sync).
    pub keep_only: Option<Vec<String>>,
    /// Message ids to delete (absent ids are ignored).
    pub deletes: Vec<String>,
    /// Messages to insert or replace, by id.
    pub upserts: Vec<StoredMessage>,
    /// The new history cursor, when this commit completes a sync.
    pub cursor: Option<u64>,
}

/// Where an outbox entry stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxState {
    /// Stored, never sent.
    Pending,
    /// A send was started and its outcome is unknown: look in Sent before sending again.
    Attempted,
    /// Gmail accepted it as message `gmail_id`.
    Sent {
        /// The id Gmail gave the sent message.
        gmail_id: String,
    },
    /// Gmail refused it for good (`status`, `reason`); it will not be retried.
    Failed {
        /// The HTTP status.
        status: u16,
        /// Gmail's reason or message.
        reason: String,
    },
}

impl OutboxState {
    /// A stable single-word name (stored in SQL backends).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Attempted => "attempted",
            Self::Sent { .. } => "sent",
            Self::Failed { .. } => "failed",
        }
    }

    /// True once nothing more will happen to the entry.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Sent { .. } | Self::Failed { .. })
    }

    /// The inverse of the SQL columns `(state, detail, status)`.
    pub(crate) fn from_columns(
        name: &str,
        detail: Option<String>,
        status: Option<i64>,
    ) -> Option<Self> {
        Some(match name {
            "pending" => Self::Pending,
            "attempted" => Self::Attempted,
            "sent" => Self::Sent { gmail_id: detail? },
            "failed" => Self::Failed {
                status: u16::try_from(status?).ok()?,
                reason: detail?,
            },
            _ => return None,
        })
    }

    /// `(detail, status)` SQL columns.
    pub(crate) fn columns(&self) -> (Option<&str>, Option<i64>) {
        match self {
            Self::Sent { gmail_id } => (Some(gmail_id), None),
            Self::Failed { status, reason } => (Some(reason), Some(i64::from(*status))),
            Self::Pending | Self::Attempted => (None, None),
        }
    }
}

/// One message in the outbox.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Unique id (32 hex digits); the Message-ID is derived from it.
    pub entry_id: String,
    /// The sending account.
    pub account: String,
    /// The `Message-ID` header value stamped into `raw`, with angle brackets.
    pub message_id: String,
    /// The RFC 822 message as it will be sent.
    pub raw: Vec<u8>,
    /// Where it stands.
    pub state: OutboxState,
}

impl fmt::Debug for OutboxEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxEntry")
            .field("entry_id", &self.entry_id)
            .field("account", &self.account)
            .field("message_id", &self.message_id)
            .field("raw_len", &self.raw.len())
            .field("state", &self.state)
            .finish()
    }
}
