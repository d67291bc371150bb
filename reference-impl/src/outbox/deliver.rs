use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::outbox::Outbox;
use super::report::{Delivery, DeliveryReport};
use crate::mailbox::{OutboxEntry, OutboxState};
use crate::sync::gmail::{Call, Repeat, parse, query_value, rejected};
use crate::sync::wire::{ErrorEnvelope, MessageList, SentMessage};
use crate::sync::{CrashPoint, GmailEndpoint, Location, SyncError};

impl Outbox {
    /// Delivers every queued entry of `account` that is not sent or failed yet, oldest
    /// first, and reports each one.
    ///
    /// # Errors
    ///
    /// Only when the outbox itself cannot be read or updated, or a crash point fired;
    /// Gmail failures are reported per entry as [`Delivery::Pending`] or
    /// [`Delivery::Failed`].
    pub async fn deliver(&self, account: &str) -> Result<Vec<DeliveryReport>, SyncError> {
        let pass = self
            .passes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(account.to_owned())
            .or_default()
            .clone();
        // A second pass for the account waits for the first, then finds
        // little or nothing left to do.
        let _pass = pass.lock().await;
        let lease_name = format!("outbox:{account}");
        let lease = self
            .store
            .acquire_lease(
                &lease_name,
                &self.holder,
                self.config.lease_ttl,
                self.gmail.clock.now(),
            )
            .await
            .map_err(|source| store_error(account, source))?
            .ok_or_else(|| SyncError::LeaseHeld {
                account: account.to_owned(),
            })?;
        let result = self.deliver_under_lease(account).await;
        // A crashed process releases nothing; the lease then expires on its own.
        if !matches!(result, Err(SyncError::Crashed(_))) {
            if let Err(error) = self.store.release_lease(&lease).await {
                tracing::warn!(account, %error, "could not release the outbox lease; it will expire");
            }
        }
        result
    }

    async fn deliver_under_lease(&self, account: &str) -> Result<Vec<DeliveryReport>, SyncError> {
        let entries = self
            .store
            .outbox_entries(account)
            .await
            .map_err(|source| store_error(account, source))?;
        let mut reports = Vec::new();
        for entry in entries.into_iter().filter(|e| !e.state.is_final()) {
            let delivery = match self.deliver_entry(&entry).await {
                Ok(delivery) => delivery,
                Err(error @ (SyncError::Crashed(_) | SyncError::Store { .. })) => {
                    return Err(error);
                }
                Err(error) => Delivery::Pending { error },
            };
            reports.push(DeliveryReport {
                entry_id: entry.entry_id,
                message_id: entry.message_id,
                delivery,
            });
        }
        Ok(reports)
    }

    async fn deliver_entry(&self, entry: &OutboxEntry) -> Result<Delivery, SyncError> {
        let account = entry.account.as_str();
        let mut attempted = entry.state == OutboxState::Attempted;
        let mut last_error = None;
        for _ in 0..self.config.max_ambiguous_attempts.max(1) {
            if attempted {
                if let Some(gmail_id) = self.find_in_sent(account, &entry.message_id).await? {
                    return self.settle(entry, OutboxState::Sent { gmail_id }).await;
                }
            } else {
                self.set_state(entry, &OutboxState::Attempted).await?;
                attempted = true;
            }
            match self.post(entry).await {
                Ok(response) if response.status().is_success() => {
                    let sent: SentMessage = parse(account, Location::Send, response.body())?;
                    return self
                        .settle(entry, OutboxState::Sent { gmail_id: sent.id })
                        .await;
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let reason = ErrorEnvelope::parse(response.body())
                        .reason()
                        .unwrap_or("unknown")
                        .to_owned();
                    return self
                        .settle(entry, OutboxState::Failed { status, reason })
                        .await;
                }
                Err(error) if is_ambiguous(&error) => last_error = Some(error),
                Err(error) => return Err(error),
            }
        }
        Err(last_error.unwrap_or(SyncError::RetriesExhausted {
            account: account.to_owned(),
            endpoint: GmailEndpoint::Send,
            status: 0,
            attempts: 0,
        }))
    }

    async fn post(&self, entry: &OutboxEntry) -> Result<crate::HttpResponse, SyncError> {
        let body = serde_json::json!({ "raw": URL_SAFE_NO_PAD.encode(&entry.raw) });
        self.gmail
            .call(
                &entry.account,
                Call {
                    endpoint: GmailEndpoint::Send,
                    method: http::Method::POST,
                    path: "messages/send",
                    body: Some(body.to_string().into_bytes()),
                    repeat: Repeat::Unsafe,
                },
            )
            .await
    }

    /// Gmail's id for the message with this Message-ID in Sent, if it is there.
    async fn find_in_sent(
        &self,
        account: &str,
        message_id: &str,
    ) -> Result<Option<String>, SyncError> {
        let bare = message_id.trim_start_matches('<').trim_end_matches('>');
        let path = format!(
            "messages?labelIds=SENT&q={}",
            query_value(&format!("rfc822msgid:{bare}"))
        );
        let response = self
            .gmail
            .call(
                account,
                Call {
                    endpoint: GmailEndpoint::ListMessages,
                    method: http::Method::GET,
                    path: &path,
                    body: None,
                    repeat: Repeat::Safe,
                },
            )
            .await?;
        if !response.status().is_success() {
            return Err(rejected(account, GmailEndpoint::ListMessages, &response));
        }
        let list: MessageList = parse(account, Location::ListPage(1), response.body())?;
        Ok(list.messages.into_iter().next().map(|m| m.id))
    }

    async fn settle(&self, entry: &OutboxEntry, state: OutboxState) -> Result<Delivery, SyncError> {
        self.set_state(entry, &state).await?;
        Ok(match state {
            OutboxState::Sent { gmail_id } => Delivery::Sent { gmail_id },
            OutboxState::Failed { status, reason } => Delivery::Failed { status, reason },
            // Only final states are passed in; anything else is still pending.
            OutboxState::Pending | OutboxState::Attempted => Delivery::Pending {
                error: SyncError::RetriesExhausted {
                    account: entry.account.clone(),
                    endpoint: GmailEndpoint::Send,
                    status: 0,
                    attempts: 0,
                },
            },
        })
    }

    async fn set_state(&self, entry: &OutboxEntry, state: &OutboxState) -> Result<(), SyncError> {
        self.gmail.crash_point(CrashPoint::BeforeCommit)?;
        self.store
            .outbox_set_state(&entry.entry_id, state)
            .await
            .map_err(|source| store_error(&entry.account, source))?;
        self.gmail.crash_point(CrashPoint::AfterCommit)
    }
}

/// The send may or may not have happened.
fn is_ambiguous(error: &SyncError) -> bool {
    match error {
        SyncError::Transport { .. } => true,
        SyncError::RetriesExhausted { status, .. } => *status >= 500,
        _ => false,
    }
}

fn store_error(account: &str, source: crate::MailboxError) -> SyncError {
    SyncError::Store {
        account: account.to_owned(),
        source,
    }
}
