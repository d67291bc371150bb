//! Level 4: `sync`, `synced_ids` and `send` through the reference
//! [`SyncEngine`] and [`Outbox`], with the token broker as their
//! [`TokenSource`](reference_impl::TokenSource).
//!
//! The mailbox follows the token store: `memory` keeps mail in memory (a
//! restart loses it), `sqlite:PATH` keeps it in the same database file,
//! `file:DIR` in `DIR/mailbox.sqlite`, a `postgres://` URL in the same
//! database. So a broker killed with SIGKILL over a durable store comes back
//! with every message it had committed.
//!
//! A durable mailbox is opened on first use, not at `initialize`: a broker
//! restarted while its store is down must still start (its token calls
//! fail as `storage` until the store is back, as a restart's do in
//! process), and a mail call meanwhile fails as `storage` too.

use crate::errors::{RpcError, parse, result};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use oauth_chaos_protocol::{
    AccountParam, ErrorCode, ErrorKind, Method, SendParams, SendResult, SyncResult, SyncedIdsResult,
};
use reference_impl::{
    Delivery, MailboxError, MailboxStore, MemoryMailbox, Outbox, OutboxConfig, OutboxEntry,
    OutboxError, PostgresMailbox, ReqwestTransport, SqliteMailbox, StoreSpec, SyncConfig,
    SyncEngine, SyncError, SyncMode, SystemClock, TokenBroker,
};
use serde_json::Value;
use std::sync::Arc;

/// How long a sync lease lasts without renewal.
const SYNC_LEASE_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// Base64url as Gmail's `raw` fields use it; padding optional.
const RAW: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// One instance's mailbox and the settings engines and outboxes are built
/// with (per call: nothing but the store outlives a call, as after a crash).
#[derive(Debug)]
pub(crate) struct Mail {
    /// Gmail's origin (`http://127.0.0.1:PORT`), as the engine takes it.
    origin: String,
    /// `origin` + `/gmail/v1`, for `gmail_request`.
    pub(crate) gmail_base: String,
    pub(crate) transport: Arc<ReqwestTransport>,
    /// The mailbox's store, opened by [`mailbox`](Self::mailbox).
    spec: StoreSpec,
    mailbox: tokio::sync::OnceCell<Arc<dyn MailboxStore>>,
    /// The lease holder name: the same after a restart, so a restarted
    /// instance takes back the leases its killed predecessor held.
    worker_id: String,
    seed: u64,
    /// Held for a whole send or delivery pass: two passes under one worker
    /// id both hold the (re-entrant) outbox lease and would send twice.
    sending: tokio::sync::Mutex<()>,
}

impl Mail {
    /// Opens the mailbox that goes with the token store `spec`.
    pub async fn open(
        spec: &StoreSpec,
        gmail_base: String,
        transport: Arc<ReqwestTransport>,
        instance: u64,
        seed: u64,
    ) -> Result<Self, RpcError> {
        // A bucket holds tokens only: a local-first broker keeps its mailbox
        // with its local store, a bucket-only one in memory.
        let spec = match spec {
            StoreSpec::LocalFirst { local, .. } => local.as_ref().clone(),
            other => other.clone(),
        };
        let in_memory = match &spec {
            StoreSpec::Memory | StoreSpec::Bucket(_) | StoreSpec::LocalFirst { .. } => true,
            StoreSpec::File(_) | StoreSpec::Sqlite(_) | StoreSpec::Postgres(_) => false,
            // A store kind added after this file: no mailbox beside it yet.
            _ => {
                return Err(RpcError::new(
                    ErrorCode::InvalidParams,
                    "this store kind keeps no mailbox; use `memory`, `file:DIR`, `sqlite:PATH` or a postgres url for mail",
                )
                .with_kind(ErrorKind::Unsupported));
            }
        };
        let mailbox = tokio::sync::OnceCell::new();
        if in_memory {
            let memory: Arc<dyn MailboxStore> = Arc::new(MemoryMailbox::new());
            let _ = mailbox.set(memory);
        }
        let gmail_base = gmail_base.trim_end_matches('/').to_owned();
        let origin = gmail_base.trim_end_matches("/gmail/v1").to_owned();
        Ok(Self {
            origin,
            gmail_base,
            transport,
            spec,
            mailbox,
            worker_id: format!("instance-{instance}"),
            seed,
            sending: tokio::sync::Mutex::default(),
        })
    }

    /// The mailbox, opened now if this is its first use; a store that
    /// cannot be opened yet is a `storage` failure, and the next call tries
    /// again.
    async fn mailbox(&self) -> Result<Arc<dyn MailboxStore>, RpcError> {
        let storage = |error: MailboxError| RpcError::failed(ErrorKind::Storage, error.to_string());
        self.mailbox
            .get_or_try_init(|| async {
                let opened: Arc<dyn MailboxStore> = match &self.spec {
                    StoreSpec::File(dir) => {
                        Arc::new(SqliteMailbox::open(dir.join("mailbox.sqlite")).map_err(storage)?)
                    }
                    StoreSpec::Sqlite(path) => {
                        Arc::new(SqliteMailbox::open(path).map_err(storage)?)
                    }
                    StoreSpec::Postgres(url) => {
                        Arc::new(PostgresMailbox::connect(url).await.map_err(storage)?)
                    }
                    // `open` set every other kind's mailbox already.
                    _ => Arc::new(MemoryMailbox::new()),
                };
                Ok(opened)
            })
            .await
            .cloned()
    }

    /// `sync`: one sync of the account, then a delivery pass over its
    /// outbox (a send an earlier failure left queued goes out now).
    pub async fn sync(&self, broker: &TokenBroker, params: Value) -> Result<Value, RpcError> {
        let AccountParam { account } = parse(Method::Sync, params)?;
        // A short lease (renewed before every commit): a SIGKILLed
        // instance's lease must not block another instance of a fleet for
        // the default five minutes. A restarted instance takes its own back
        // at once (same worker id).
        let config = SyncConfig::new(self.origin.clone(), self.worker_id.clone())
            .with_lease_ttl(SYNC_LEASE_TTL)
            .with_seed(self.seed);
        let engine = SyncEngine::new(
            config,
            Arc::new(SystemClock),
            self.transport.clone(),
            Arc::new(broker.clone()),
            self.mailbox().await?,
        )
        .map_err(|error| RpcError::new(ErrorCode::InvalidParams, error.to_string()))?;
        let report = engine.sync(&account).await.map_err(|e| sync_error(&e))?;
        let _sending = self.sending.lock().await;
        let entries = self.entries(&account).await?;
        if entries.iter().any(|entry| !entry.state.is_final()) {
            // Per-entry failures stay queued for the next pass; only a
            // failure of the pass itself fails this call.
            self.outbox(broker)
                .await?
                .deliver(&account)
                .await
                .map_err(|e| sync_error(&e))?;
        }
        let mode = match report.mode {
            SyncMode::Full => "full",
            SyncMode::Partial => "partial",
            SyncMode::Resync => "resync",
        };
        tracing::info!(account, mode, upserted = report.upserted, "synced");
        result(SyncResult {
            mode: Some(mode.to_owned()),
            upserted: Some(report.upserted as u64),
            deleted: Some(report.deleted as u64),
        })
    }

    /// `synced_ids`: one id per stored row.
    pub async fn synced_ids(&self, params: Value) -> Result<Value, RpcError> {
        let AccountParam { account } = parse(Method::SyncedIds, params)?;
        let messages = self
            .mailbox()
            .await?
            .messages(&account)
            .await
            .map_err(|error| RpcError::failed(ErrorKind::Storage, error.to_string()))?;
        let ids: Vec<String> = messages.into_iter().map(|m| m.id).collect();
        result(SyncedIdsResult { ids })
    }

    /// `send`: queues the message in the outbox (which stamps its
    /// `Message-ID`) and runs a delivery pass; answers once Gmail has it.
    pub async fn send(&self, broker: &TokenBroker, params: Value) -> Result<Value, RpcError> {
        let SendParams { account, raw } = parse(Method::Send, params)?;
        let raw = RAW.decode(raw.trim()).map_err(|error| {
            RpcError::new(
                ErrorCode::InvalidParams,
                format!("bad `send` params: `raw` is not base64url ({error})"),
            )
        })?;
        let _sending = self.sending.lock().await;
        let outbox = self.outbox(broker).await?;
        let entry = outbox
            .send(&account, &raw)
            .await
            .map_err(|error| match error {
                OutboxError::Store { .. } => {
                    RpcError::failed(ErrorKind::Storage, error.to_string())
                }
                _ => RpcError::new(
                    ErrorCode::InvalidParams,
                    format!("bad `send` params: {error}"),
                ),
            })?;
        let reports = outbox.deliver(&account).await.map_err(|e| sync_error(&e))?;
        let delivery = reports
            .into_iter()
            .find(|report| report.entry_id == entry.entry_id)
            .map(|report| report.delivery);
        match delivery {
            Some(Delivery::Sent { gmail_id }) => {
                tracing::info!(account, message_id = entry.message_id, "sent");
                result(SendResult {
                    message_id: entry.message_id,
                    gmail_id: Some(gmail_id),
                })
            }
            Some(Delivery::Failed { status, reason }) => Err(RpcError::failed(
                ErrorKind::Refused,
                format!("gmail refused the message with http {status} `{reason}`"),
            )),
            Some(Delivery::Pending { error }) => {
                let queued = sync_error(&error);
                Err(RpcError::failed(
                    queued.kind().unwrap_or(ErrorKind::Transient),
                    format!("the message is queued for a later delivery pass: {error}"),
                ))
            }
            None => Err(RpcError::failed(
                ErrorKind::Transient,
                "the message is queued; another delivery pass holds the outbox",
            )),
        }
    }

    async fn entries(&self, account: &str) -> Result<Vec<OutboxEntry>, RpcError> {
        self.mailbox()
            .await?
            .outbox_entries(account)
            .await
            .map_err(|error| RpcError::failed(ErrorKind::Storage, error.to_string()))
    }

    /// An outbox over this mailbox. Its entry ids (and so the
    /// `Message-ID`s) come from the OS's randomness, not the run's seed: a
    /// restarted process over a memory store has forgotten its outbox and
    /// would draw the same ids again.
    async fn outbox(&self, broker: &TokenBroker) -> Result<Outbox, RpcError> {
        let config = OutboxConfig::new(self.origin.clone()).with_worker_id(self.worker_id.clone());
        Outbox::new(
            config,
            Arc::new(SystemClock),
            self.transport.clone(),
            Arc::new(broker.clone()),
            self.mailbox().await?,
        )
        .map_err(|error| RpcError::new(ErrorCode::InvalidParams, error.to_string()))
    }
}

/// The protocol's error for a failed sync or delivery pass.
fn sync_error(error: &SyncError) -> RpcError {
    let kind = match error {
        SyncError::NeedsReauth { .. } => ErrorKind::Revoked,
        SyncError::Store { .. } => ErrorKind::Storage,
        SyncError::TokenUnavailable { .. }
        | SyncError::RetriesExhausted { .. }
        | SyncError::Transport { .. }
        | SyncError::LeaseHeld { .. } => ErrorKind::Transient,
        _ => ErrorKind::Other,
    };
    RpcError::failed(kind, error.to_string())
}
