use super::mailbox::Mailbox;
use super::message::{MessageSummary, NewMessage};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How the mock Gmail behaves; set through the provider builder.
#[derive(Debug, Clone)]
pub struct GmailSettings {
    /// Messages generated per account (default 25).
    pub mailbox_size: usize,
    /// Per-account overrides of `mailbox_size`.
    pub mailbox_sizes: BTreeMap<String, usize>,
    /// How long history is kept before `startHistoryId` gets 404 (default 7 days).
    pub history_retention: Duration,
    /// Largest random gap between consecutive history ids (default 20).
    pub history_id_max_gap: u64,
    /// The seen quirk: the first `history.list` page is empty (no `history`
    /// field) but carries a `nextPageToken` (default off).
    pub empty_first_history_page: bool,
    /// Per-user quota in units per minute; `None` (default) is unlimited.
    pub quota_units_per_minute: Option<u32>,
    /// Largest body of a send on the JSON path (default 5 MiB: larger mail
    /// fails there at Google and belongs on the upload path).
    pub send_body_limit: usize,
    /// Largest message on the upload path (default 35 MiB, the
    /// `mediaUpload.maxSize` of Gmail's discovery document).
    pub upload_limit: usize,
}

/// Room for a multipart upload's boundaries and metadata beyond the message.
const UPLOAD_OVERHEAD: usize = 64 * 1024;

impl Default for GmailSettings {
    fn default() -> Self {
        Self {
            mailbox_size: 25,
            mailbox_sizes: BTreeMap::new(),
            history_retention: Duration::from_secs(7 * 24 * 3600),
            history_id_max_gap: 20,
            empty_first_history_page: false,
            quota_units_per_minute: None,
            send_body_limit: 5 * 1024 * 1024,
            upload_limit: 36_700_160,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct GmailInner {
    pub settings: GmailSettings,
    pub mailboxes: BTreeMap<String, Mailbox>,
    /// account -> (minute index, units used in it)
    quota: BTreeMap<String, (u64, u32)>,
}

/// Every mailbox, behind its own lock (never held across an await and
/// never while the token model is locked).
#[derive(Debug, Clone, Default)]
pub(crate) struct GmailStore {
    inner: Arc<Mutex<GmailInner>>,
}

impl GmailStore {
    /// Generates a mailbox per account from `seed`.
    pub fn generate(
        settings: GmailSettings,
        seed: u64,
        accounts: &[String],
        now: SystemTime,
    ) -> Self {
        let mailboxes = accounts
            .iter()
            .enumerate()
            .map(|(n, account)| {
                let account_seed = seed
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    .wrapping_add(n as u64 + 1);
                let size = settings
                    .mailbox_sizes
                    .get(account)
                    .copied()
                    .unwrap_or(settings.mailbox_size);
                let mailbox = Mailbox::generate(
                    account,
                    account_seed,
                    size,
                    settings.history_id_max_gap,
                    now,
                );
                (account.clone(), mailbox)
            })
            .collect();
        Self {
            inner: Arc::new(Mutex::new(GmailInner {
                settings,
                mailboxes,
                quota: BTreeMap::new(),
            })),
        }
    }

    /// How much of a request body to read for `path`: `Some` for the two
    /// send paths, whose bodies are mail; `None` elsewhere (the server's
    /// own limit applies).
    pub fn body_limit(&self, path: &str) -> Option<usize> {
        let settings = &self.lock().settings;
        if path.starts_with("/upload/gmail/") {
            Some(settings.upload_limit + UPLOAD_OVERHEAD)
        } else if path.starts_with("/gmail/") && path.ends_with("/messages/send") {
            Some(settings.send_body_limit)
        } else {
            None
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, GmailInner> {
        // Mutations are single inserts/removes; a poisoned lock stays consistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Charges `units` to `account`'s quota for the minute containing `now`;
    /// false when the charge would exceed the limit.
    pub fn charge(&self, account: &str, units: u32, now: SystemTime) -> bool {
        let mut inner = self.lock();
        let Some(limit) = inner.settings.quota_units_per_minute else {
            return true;
        };
        let minute = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() / 60;
        let used = inner.quota.entry(account.to_owned()).or_insert((minute, 0));
        if used.0 != minute {
            *used = (minute, 0);
        }
        if used.1 + units > limit {
            return false;
        }
        used.1 += units;
        true
    }

    pub fn summaries(&self, account: &str) -> Vec<MessageSummary> {
        self.lock()
            .mailboxes
            .get(account)
            .map(Mailbox::summaries)
            .unwrap_or_default()
    }

    pub fn add(&self, account: &str, new: NewMessage, now: SystemTime) -> Option<MessageSummary> {
        let mut inner = self.lock();
        let mailbox = inner.mailboxes.get_mut(account)?;
        Some(mailbox.add(new, now).summary())
    }

    pub fn delete(&self, account: &str, id: &str, now: SystemTime) -> bool {
        let mut inner = self.lock();
        inner
            .mailboxes
            .get_mut(account)
            .is_some_and(|m| m.delete(id, now))
    }

    pub fn relabel(
        &self,
        account: &str,
        id: &str,
        add: &[String],
        remove: &[String],
        now: SystemTime,
    ) -> Option<Vec<String>> {
        let mut inner = self.lock();
        inner
            .mailboxes
            .get_mut(account)?
            .relabel(id, add, remove, now)
    }

    pub fn forget_history(&self, account: &str) -> bool {
        let mut inner = self.lock();
        inner
            .mailboxes
            .get_mut(account)
            .map(Mailbox::forget_history)
            .is_some()
    }

    /// Message-ID -> how many messages in Sent carry it.
    pub fn sent_message_ids(&self, account: &str) -> BTreeMap<String, usize> {
        let inner = self.lock();
        let mut counts = BTreeMap::new();
        let sent = inner
            .mailboxes
            .get(account)
            .into_iter()
            .flat_map(|m| m.messages.values())
            .filter(|m| m.label_ids.iter().any(|l| l == "SENT"));
        for message in sent {
            let key = message.header("Message-ID").unwrap_or("").to_owned();
            *counts.entry(key).or_insert(0) += 1;
        }
        counts
    }
}
