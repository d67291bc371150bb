//! The reference broker's mail side: `reference_impl`'s [`SyncEngine`] and
//! [`Outbox`] over a memory mailbox whose commits the harness can fail, with the token broker as their
//! [`TokenSource`].
//!
//! The mailbox lives as long as the instance (it is the instance's durable
//! store: a crash or restart keeps what was committed); engines and
//! outboxes are built per call, so a crashed sync leaves nothing behind
//! but its commits, as `kill -9` would. [`EmailFlaws`] are the knobs the
//! email mutants flip; the reference sets none.

use super::flaky_mailbox::FlakyMailbox;
use super::{BrokerEnv, BrokerFailure, FailureKind};
use futures::future::BoxFuture;
use reference_impl::{
    Clock, CrashPoint, CrashPoints, Crashed, Delivery, HttpRequest, HttpResponse, HttpTransport,
    MailboxStore, MessageIdDomain, Outbox, OutboxConfig, OutboxState, SyncConfig, SyncEngine,
    SyncError, TokenSource, TransportError,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// Page size the harness's engines list with: small, so the default
/// 25-message mailbox takes several pages (and a dropped page shows).
const PAGE_SIZE: u32 = 10;

/// The domain of the `Message-ID`s the harness's outboxes write: a name
/// that cannot be anyone's (`.invalid`), the same for every account, so a
/// seed's journal stays the same.
const MESSAGE_ID_DOMAIN: &str = "oauth-chaos.invalid";

/// Deliberate flaws for the email mutants (all off in the reference).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct EmailFlaws {
    /// Ignore the messages of the last page of every paginated
    /// `messages.list` (breaks `no_lost_email`).
    pub drop_last_page: bool,
    /// After an ambiguous send failure, forget the attempt and send again
    /// without looking in Sent (breaks `no_duplicate_email`).
    pub resend_blindly: bool,
    /// Read "INBOX removed" in history as a deletion (breaks
    /// `no_lost_email` when mail is archived).
    pub archive_is_delete: bool,
}

/// One instance's mailbox store and the settings to build engines over it.
#[derive(Debug, Clone)]
pub(crate) struct ReferenceEmail {
    gmail_origin: String,
    clock: Arc<dyn Clock>,
    transport: Arc<dyn HttpTransport>,
    seed: u64,
    instance: u32,
    mailbox: FlakyMailbox,
    flaws: EmailFlaws,
    /// Held for a whole send or delivery pass. This binding builds an
    /// `Outbox` per call from the same seed: two at once would draw the same
    /// entry id, and (an `Outbox` serialises only its own passes) two
    /// passes under one worker id would both hold the re-entrant lease.
    sending: Arc<tokio::sync::Mutex<()>>,
}

impl ReferenceEmail {
    /// The mail side of the instance `env` describes.
    pub fn new(env: &BrokerEnv, flaws: EmailFlaws) -> Self {
        let origin = env
            .gmail_base
            .trim_end_matches('/')
            .trim_end_matches("/gmail/v1")
            .to_owned();
        let mut transport: Arc<dyn HttpTransport> = if flaws.drop_last_page {
            Arc::new(DropLastPage {
                inner: env.transport.clone(),
            })
        } else {
            env.transport.clone()
        };
        if flaws.archive_is_delete {
            transport = Arc::new(super::archive_is_delete::ArchiveIsDelete { inner: transport });
        }
        Self {
            gmail_origin: origin,
            clock: env.clock.clone(),
            transport,
            seed: env.seed ^ u64::from(env.instance),
            instance: env.instance,
            mailbox: FlakyMailbox::default(),
            flaws,
            sending: Arc::default(),
        }
    }

    fn engine(&self, tokens: Arc<dyn TokenSource>) -> Result<SyncEngine, BrokerFailure> {
        let config = SyncConfig::new(
            self.gmail_origin.clone(),
            format!("instance-{}", self.instance),
        )
        .with_page_size(PAGE_SIZE)
        .with_seed(self.seed);
        SyncEngine::new(
            config,
            self.clock.clone(),
            self.transport.clone(),
            tokens,
            Arc::new(self.mailbox.clone()),
        )
        .map_err(|error| BrokerFailure::new(FailureKind::Other, error.to_string()))
    }

    /// One sync of `account`, then a delivery pass over its outbox (as a
    /// mail worker's periodic job would run both): a send left pending by
    /// an earlier failure goes out now.
    pub async fn sync(
        &self,
        tokens: Arc<dyn TokenSource>,
        account: &str,
    ) -> Result<(), BrokerFailure> {
        self.engine(tokens.clone())?
            .sync(account)
            .await
            .map_err(|error| sync_failure(&error))?;
        let _sending = self.sending.lock().await;
        let entries = self
            .mailbox
            .outbox_entries(account)
            .await
            .map_err(|error| BrokerFailure::new(FailureKind::Storage, error.to_string()))?;
        if entries.iter().any(|e| !e.state.is_final()) {
            let outbox = self.outbox(tokens, account, entries.len())?;
            // Per-entry failures stay queued for the next pass; only a
            // failure of the pass itself is this sync's failure.
            outbox
                .deliver(account)
                .await
                .map_err(|error| sync_failure(&error))?;
        }
        Ok(())
    }

    /// An outbox over this instance's mailbox. Entry ids come from its
    /// seeded rng; seeding it from how many entries are stored (`queued`)
    /// keeps ids unique across calls and restarts.
    fn outbox(
        &self,
        tokens: Arc<dyn TokenSource>,
        account: &str,
        queued: usize,
    ) -> Result<Outbox, BrokerFailure> {
        let mut config = OutboxConfig::new(self.gmail_origin.clone())
            .with_seed(self.seed ^ fnv1a(account) ^ (queued as u64).wrapping_mul(0x9e37_79b9))
            .with_worker_id(format!("instance-{}", self.instance))
            .with_message_id_domain(
                MessageIdDomain::new(MESSAGE_ID_DOMAIN)
                    .map_err(|error| BrokerFailure::new(FailureKind::Other, error.to_string()))?,
            );
        if self.flaws.resend_blindly {
            config.max_ambiguous_attempts = 1;
        }
        Outbox::new(
            config,
            self.clock.clone(),
            self.transport.clone(),
            tokens,
            Arc::new(self.mailbox.clone()),
        )
        .map_err(|error| BrokerFailure::new(FailureKind::Other, error.to_string()))
    }

    /// One sync of `account` that dies at the `at_point`-th crash point.
    pub async fn crash_sync(
        &self,
        tokens: Arc<dyn TokenSource>,
        account: &str,
        at_point: u32,
    ) -> Result<bool, BrokerFailure> {
        let engine = self.engine(tokens)?.with_crash_points(Arc::new(CrashAt {
            at: at_point,
            seen: AtomicU32::new(0),
        }));
        match engine.sync(account).await {
            Ok(_) => Ok(false),
            Err(SyncError::Crashed(_)) => Ok(true),
            Err(error) => Err(sync_failure(&error)),
        }
    }

    /// The next `count` mailbox commits fail.
    pub fn fail_commits(&self, count: u32) {
        self.mailbox.fail_commits(count);
    }

    /// The ids stored for `account`.
    pub async fn synced_ids(&self, account: &str) -> Result<Vec<String>, BrokerFailure> {
        let messages = self
            .mailbox
            .messages(account)
            .await
            .map_err(|error| BrokerFailure::new(FailureKind::Storage, error.to_string()))?;
        Ok(messages.into_iter().map(|m| m.id).collect())
    }

    /// Queues `raw` and runs a delivery pass; `Ok` once Gmail has it.
    pub async fn send(
        &self,
        tokens: Arc<dyn TokenSource>,
        account: &str,
        raw: &[u8],
    ) -> Result<String, BrokerFailure> {
        let storage = |error: reference_impl::MailboxError| {
            BrokerFailure::new(FailureKind::Storage, error.to_string())
        };
        let _sending = self.sending.lock().await;
        let queued = self
            .mailbox
            .outbox_entries(account)
            .await
            .map_err(storage)?
            .len();
        let outbox = self.outbox(tokens, account, queued)?;
        let entry = outbox
            .send(account, raw)
            .await
            .map_err(|error| BrokerFailure::new(FailureKind::Other, error.to_string()))?;
        let mut delivery = deliver(&outbox, account, &entry.entry_id).await?;
        if self.flaws.resend_blindly && matches!(delivery, Some(Delivery::Pending { .. })) {
            // The flaw: treat the ambiguous attempt as never made.
            self.mailbox
                .outbox_set_state(&entry.entry_id, &OutboxState::Pending)
                .await
                .map_err(storage)?;
            delivery = deliver(&outbox, account, &entry.entry_id).await?;
        }
        match delivery {
            Some(Delivery::Sent { .. }) => Ok(entry.message_id),
            Some(Delivery::Failed { status, reason }) => Err(BrokerFailure::new(
                FailureKind::Other,
                format!("gmail refused the message with http {status} `{reason}`"),
            )),
            Some(Delivery::Pending { error }) => Err(sync_failure(&error)),
            None => Err(BrokerFailure::new(
                FailureKind::Transient,
                "the message is queued; another delivery pass holds it",
            )),
        }
    }
}

async fn deliver(
    outbox: &Outbox,
    account: &str,
    entry_id: &str,
) -> Result<Option<Delivery>, BrokerFailure> {
    let reports = outbox
        .deliver(account)
        .await
        .map_err(|error| sync_failure(&error))?;
    Ok(reports
        .into_iter()
        .find(|report| report.entry_id == entry_id)
        .map(|report| report.delivery))
}

/// The harness's category of a sync or delivery failure.
fn sync_failure(error: &SyncError) -> BrokerFailure {
    let kind = match error {
        SyncError::NeedsReauth { .. } => FailureKind::Revoked,
        SyncError::Store { .. } => FailureKind::Storage,
        SyncError::TokenUnavailable { .. }
        | SyncError::RetriesExhausted { .. }
        | SyncError::Transport { .. }
        | SyncError::LeaseHeld { .. } => FailureKind::Transient,
        _ => FailureKind::Other,
    };
    BrokerFailure::new(kind, error.to_string())
}

/// A stable hash of an account name (seeds must not depend on `RandomState`).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Dies at the `at`-th crash point reached.
#[derive(Debug)]
struct CrashAt {
    at: u32,
    seen: AtomicU32,
}

impl CrashPoints for CrashAt {
    fn reached(&self, point: CrashPoint) -> Result<(), Crashed> {
        if self.seen.fetch_add(1, Ordering::SeqCst) == self.at {
            Err(Crashed { point })
        } else {
            Ok(())
        }
    }
}

/// The `sync-drops-last-page` flaw as a transport: the last page of a
/// paginated `messages.list` arrives with its messages removed, as a
/// pagination loop that stops one page early would see it.
#[derive(Debug)]
struct DropLastPage {
    inner: Arc<dyn HttpTransport>,
}

impl HttpTransport for DropLastPage {
    fn send(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        let uri = request.uri().clone();
        let later_list_page = uri.path().ends_with("/messages")
            && uri.query().is_some_and(|q| q.contains("pageToken="));
        let answer = self.inner.send(request);
        Box::pin(async move {
            let response = answer.await?;
            if !later_list_page || !response.status().is_success() {
                return Ok(response);
            }
            let (parts, body) = response.into_parts();
            let body = match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(mut page) if page.get("nextPageToken").is_none() => {
                    page["messages"] = serde_json::Value::Array(Vec::new());
                    page.to_string().into_bytes()
                }
                _ => body,
            };
            Ok(HttpResponse::from_parts(parts, body))
        })
    }
}
