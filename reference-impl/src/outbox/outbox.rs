use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::error::OutboxError;
use super::message_id::{MessageIdDomain, message_id};
use crate::clock::Clock;
use crate::mailbox::{MailboxStore, OutboxEntry, OutboxState};
use crate::sync::gmail::{GmailClient, client_for};
use crate::sync::{CrashPoints, InvalidGmailBase, RetryPolicy, SyncConfig, TokenSource};
use crate::transport::HttpTransport;

/// Settings for an [`Outbox`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OutboxConfig {
    /// Gmail's API origin.
    pub gmail_base: String,
    /// Sends (each preceded by a Sent lookup) per entry and pass after ambiguous failures.
    pub max_ambiguous_attempts: u32,
    /// Backoff for rate limits.
    pub retry: RetryPolicy,
    /// Seed for entry ids; `None` draws them from the OS (production). Sim runs set it.
    pub seed: Option<u64>,
    /// How long one delivery pass may hold the account's outbox lease.
    pub lease_ttl: std::time::Duration,
    /// This worker's stable name in the delivery lease; a restarted worker with the same
    /// name takes its lease back at once instead of waiting for it to expire. `None`
    /// picks a random one (a restart then waits up to `lease_ttl`).
    pub worker_id: Option<String>,
    /// What follows the `@` of the `Message-ID`s it writes; `None`: the
    /// sending account's domain (`alice@example.com` sends
    /// `<hex@example.com>`), or `localhost` when the account is no address.
    pub message_id_domain: Option<MessageIdDomain>,
}

impl OutboxConfig {
    /// Three ambiguous attempts per pass, default retry policy, OS-random entry ids.
    pub fn new(gmail_base: impl Into<String>) -> Self {
        Self {
            gmail_base: gmail_base.into(),
            max_ambiguous_attempts: 3,
            retry: RetryPolicy::default(),
            seed: None,
            lease_ttl: std::time::Duration::from_secs(300),
            worker_id: None,
            message_id_domain: None,
        }
    }

    /// Sets [`OutboxConfig::seed`].
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Sets [`OutboxConfig::worker_id`].
    pub fn with_worker_id(mut self, worker_id: impl Into<String>) -> Self {
        self.worker_id = Some(worker_id.into());
        self
    }

    /// Sets [`OutboxConfig::message_id_domain`].
    pub fn with_message_id_domain(mut self, domain: MessageIdDomain) -> Self {
        self.message_id_domain = Some(domain);
        self
    }

    /// Sets [`OutboxConfig::retry`].
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
}

/// Sends mail through Gmail exactly once per [`send`](Self::send).
///
/// Delivery passes for one account are serialised across processes by a lease in the
/// store (named `outbox:<account>`), so two outboxes never send the same entry at once.
///
/// A message is first stored as an outbox entry with a `Message-ID` derived from the
/// entry id (`<hex@domain>`, [`OutboxConfig::message_id_domain`]). Delivery marks the entry `Attempted` before
/// each send; an entry found `Attempted` (after a timeout, a reset, a lost ack or a
/// crash) is looked up in Sent with `rfc822msgid:` before it is sent again.
///
/// ```no_run
/// # use std::sync::Arc;
/// # use reference_impl::*;
/// # async fn demo(tokens: Arc<dyn TokenSource>) -> Result<(), Box<dyn std::error::Error>> {
/// let outbox = Outbox::new(
///     OutboxConfig::new("https://gmail.googleapis.com"),
///     Arc::new(SystemClock), Arc::new(ReqwestTransport::new()), tokens,
///     Arc::new(SqliteMailbox::open("mailbox.db")?))?;
/// let entry = outbox.send("alice", b"To: bob@example.com\r\nSubject: hi\r\n\r\nhello").await?;
/// for report in outbox.deliver("alice").await? {
///     println!("{} -> {:?}", report.message_id, report.delivery);
/// }
/// # let _ = entry; Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Outbox {
    pub(crate) gmail: GmailClient,
    pub(crate) store: Arc<dyn MailboxStore>,
    pub(crate) config: OutboxConfig,
    ids: Mutex<ChaCha8Rng>,
    /// This outbox's name in the per-account delivery lease.
    pub(crate) holder: String,
    /// One delivery pass per account at a time within this outbox. The
    /// store's lease keeps processes apart, but it lets its own holder back
    /// in (a restarted worker resumes at once), so two tasks of one outbox
    /// would both hold it and could send the same entry twice.
    pub(crate) passes: Mutex<BTreeMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Outbox {
    /// Builds an outbox; nothing is sent until [`deliver`](Self::deliver).
    ///
    /// # Errors
    ///
    /// [`InvalidGmailBase`] if `config.gmail_base` is not an absolute http(s) URL.
    pub fn new(
        config: OutboxConfig,
        clock: Arc<dyn Clock>,
        transport: Arc<dyn HttpTransport>,
        tokens: Arc<dyn TokenSource>,
        store: Arc<dyn MailboxStore>,
    ) -> Result<Self, InvalidGmailBase> {
        let sync_config = SyncConfig::new(config.gmail_base.clone(), "outbox")
            .with_retry(config.retry.clone())
            .with_seed(config.seed.unwrap_or(0));
        let gmail = client_for(&config.gmail_base, transport, tokens, clock, &sync_config)
            .ok_or_else(|| InvalidGmailBase {
                base: config.gmail_base.clone(),
            })?;
        let mut ids = config
            .seed
            .map_or_else(ChaCha8Rng::from_os_rng, ChaCha8Rng::seed_from_u64);
        let random_holder = format!("outbox-{:016x}", ids.random::<u64>());
        let holder = config.worker_id.clone().unwrap_or(random_holder);
        Ok(Self {
            gmail,
            store,
            config,
            ids: Mutex::new(ids),
            holder,
            passes: Mutex::default(),
        })
    }

    /// Installs a crash-point hook (tests).
    #[must_use]
    pub fn with_crash_points(mut self, crash: Arc<dyn CrashPoints>) -> Self {
        self.gmail.crash = crash;
        self
    }

    /// Queues `message` (RFC 822 bytes without a `Message-ID`) durably and returns the
    /// stored entry. Call [`deliver`](Self::deliver) to send it.
    ///
    /// # Errors
    ///
    /// [`OutboxError`]: the message is unusable, or the store failed (then nothing was
    /// queued and the caller still owns the message).
    pub async fn send(&self, account: &str, message: &[u8]) -> Result<OutboxEntry, OutboxError> {
        let headers_end = find(message, b"\r\n\r\n")
            .or_else(|| find(message, b"\n\n"))
            .ok_or(OutboxError::NotRfc822)?;
        let has_message_id = message[..headers_end]
            .split(|byte| *byte == b'\n')
            .any(|line| line.len() >= 11 && line[..11].eq_ignore_ascii_case(b"message-id:"));
        if has_message_id {
            return Err(OutboxError::HasMessageId);
        }
        let entry_id = {
            let mut rng = self
                .ids
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            format!("{:032x}", rng.random::<u128>())
        };
        let message_id = message_id(&entry_id, self.config.message_id_domain.as_ref(), account);
        let mut raw = format!("Message-ID: {message_id}\r\n").into_bytes();
        raw.extend_from_slice(message);
        let entry = OutboxEntry {
            entry_id,
            account: account.to_owned(),
            message_id,
            raw,
            state: OutboxState::Pending,
        };
        self.store
            .outbox_insert(&entry)
            .await
            .map_err(|source| OutboxError::Store {
                account: account.to_owned(),
                source,
            })?;
        Ok(entry)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
