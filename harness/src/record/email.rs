//! What a run records about mail: syncs, logical sends, what the broker
//! had stored along the way, and both sides of every mailbox at the end.

use crate::broker::FailureKind;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::SystemTime;

/// The subject prefix of the harness's logical sends; the number after it
/// is the logical send's id.
pub const LOGICAL_SEND_SUBJECT: &str = "oauth-chaos logical send";

/// Everything mail-related a run leaves for the email checkers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EmailRecord {
    /// Every `sync` and `crash_sync` step, in completion order.
    pub syncs: Vec<SyncAttempt>,
    /// Every logical send, in completion order.
    pub sends: Vec<LogicalSend>,
    /// What the broker had stored after each sync step.
    pub snapshots: Vec<StoredSnapshot>,
    /// Per account touched by a mail step: the end-of-run comparison.
    pub settled: Vec<SettledMailbox>,
    /// When each `sync` and `send` call was in flight: how many calls of
    /// one account may be waiting out Gmail's answers at once.
    pub calls: Vec<MailCall>,
    /// What the killed instance reported stored just before each `restart`
    /// and right after it, per account a mail step had touched.
    pub restarts: Vec<RestartSnapshot>,
    /// Messages the timeline deleted at Gmail (`mailbox_delete`), in order.
    pub deleted_at_gmail: Vec<GmailDeletion>,
    /// True when the scenario gives brokers a store that a kill -9 wipes by
    /// design (`store = "memory"` in real mode: a process's memory dies
    /// with it); then a restart may empty the mailbox, and only the final
    /// comparison judges it.
    pub volatile_store: bool,
}

/// One `sync`, `crash_sync` or `send` call, from the harness's side.
#[derive(Debug, Clone, Serialize)]
pub struct MailCall {
    /// The account.
    pub account: String,
    /// Provider time it was made.
    pub started_at: SystemTime,
    /// Provider time its answer came (or the harness gave up).
    pub finished_at: SystemTime,
}

/// One account's stored ids around one kill -9 and restart.
#[derive(Debug, Clone, Serialize)]
pub struct RestartSnapshot {
    /// The instance restarted.
    pub instance: u32,
    /// The account.
    pub account: String,
    /// Provider time of the kill.
    pub killed_at: SystemTime,
    /// What the instance listed just before the kill.
    pub before: Vec<String>,
    /// Provider time of the read after the restart.
    pub read_at: SystemTime,
    /// What the restarted instance listed before any sync, or why it could
    /// not list.
    pub after: Result<Vec<String>, FailureKind>,
}

/// A message the timeline deleted at Gmail.
#[derive(Debug, Clone, Serialize)]
pub struct GmailDeletion {
    /// The account.
    pub account: String,
    /// The Gmail id.
    pub id: String,
    /// Provider time.
    pub at: SystemTime,
}

impl EmailRecord {
    /// How many mail calls for `account` were in flight at `at`.
    pub fn calls_in_flight(&self, account: &str, at: SystemTime) -> usize {
        self.calls
            .iter()
            .filter(|c| c.account == account && c.started_at <= at && at <= c.finished_at)
            .count()
    }

    /// True when `id` of `account` was still in Gmail at `at` (the timeline
    /// had not deleted it by then).
    pub fn in_gmail_at(&self, account: &str, id: &str, at: SystemTime) -> bool {
        !self
            .deleted_at_gmail
            .iter()
            .any(|d| d.account == account && d.id == id && d.at <= at)
    }
}

/// One sync as the harness saw it.
#[derive(Debug, Clone, Serialize)]
pub struct SyncAttempt {
    /// Which instance ran it.
    pub instance: u32,
    /// The account.
    pub account: String,
    /// Provider time it began.
    pub started_at: SystemTime,
    /// For `crash_sync`: the crash point it was told to die at.
    pub crash_at: Option<u32>,
    /// `Ok(true)`: it died at its crash point; `Ok(false)`: it finished.
    pub result: Result<bool, FailureKind>,
}

/// One logical send: a message the harness asked the broker to send once.
#[derive(Debug, Clone, Serialize)]
pub struct LogicalSend {
    /// The harness's number for it (in its subject).
    pub logical: u64,
    /// The sending account.
    pub account: String,
    /// Its subject, `"{LOGICAL_SEND_SUBJECT} {logical}"`.
    pub subject: String,
    /// The `Message-ID` the broker acknowledged it with, or why it did not.
    pub result: Result<String, FailureKind>,
}

/// The ids a broker had stored for an account at one moment.
#[derive(Debug, Clone, Serialize)]
pub struct StoredSnapshot {
    /// The account.
    /// The instance whose mailbox store was read (each has its own).
    pub instance: u32,
    pub account: String,
    /// Provider time.
    pub at: SystemTime,
    /// One entry per stored row, as the broker listed them.
    pub ids: Vec<String>,
}

/// One account at the end of a run, around the harness's final sync.
#[derive(Debug, Clone, Serialize)]
pub struct SettledMailbox {
    /// The account.
    pub account: String,
    /// Message ids in the mock's mailbox just before the final sync.
    pub at_provider: Vec<String>,
    /// What the broker had stored just before the final sync.
    pub stored_before: Vec<String>,
    /// How the final sync went (faults are all unmounted by then).
    pub final_sync: Result<(), FailureKind>,
    /// What the broker had stored after it (one entry per stored row).
    pub stored_after: Vec<String>,
    /// `Message-ID` -> how many messages in the mock's Sent carry it.
    pub sent_message_ids: BTreeMap<String, usize>,
    /// Logical send subject -> how many messages in the mock's Sent have it.
    pub sent_subjects: BTreeMap<String, usize>,
}
