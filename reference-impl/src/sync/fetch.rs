//! `messages.get?format=raw` for a window of ids at once.
//!
//! `raw` is used (not `full`) because it is the message exactly as sent, with no MIME
//! tree to rebuild, and base64url-decoding it checks the payload before it is stored.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::{StreamExt, TryStreamExt, stream};

use super::crash::GmailEndpoint;
use super::engine::SyncEngine;
use super::error::{Location, SyncError};
use super::gmail::{Call, Repeat, parse, rejected};
use super::wire::RawMessage;
use crate::mailbox::StoredMessage;

/// A fetched message, or `Gone` when Gmail no longer has it (deleted since listed).
#[derive(Debug)]
pub(crate) enum Fetched {
    Present(StoredMessage),
    Gone(String),
}

impl SyncEngine {
    /// Fetches `ids` with at most `fetch_window` requests in flight; results come back
    /// in `ids` order and the first error stops the batch.
    pub(crate) async fn fetch_all(
        &self,
        account: &str,
        ids: &[String],
    ) -> Result<Vec<Fetched>, SyncError> {
        // Owned ids and an `async move` block keep this future `Send` for callers
        // that spawn it (a borrowing closure here trips rustc's higher-ranked
        // lifetime check, rust-lang/rust#102211).
        stream::iter(ids.iter().cloned())
            .map(|id| async move { self.fetch_one(account, &id).await })
            .buffered(self.config.fetch_window)
            .try_collect()
            .await
    }

    async fn fetch_one(&self, account: &str, id: &str) -> Result<Fetched, SyncError> {
        let path = format!("messages/{}?format=raw", super::gmail::query_value(id));
        let response = self
            .gmail
            .call(
                account,
                Call {
                    endpoint: GmailEndpoint::GetMessage,
                    method: http::Method::GET,
                    path: &path,
                    body: None,
                    repeat: Repeat::Safe,
                },
            )
            .await?;
        match response.status().as_u16() {
            200..=299 => {}
            404 => return Ok(Fetched::Gone(id.to_owned())),
            _ => return Err(rejected(account, GmailEndpoint::GetMessage, &response)),
        }
        let location = || Location::Message(id.to_owned());
        let message: RawMessage = parse(account, location(), response.body())?;
        let malformed = |problem: String| SyncError::Malformed {
            account: account.to_owned(),
            location: location(),
            problem,
        };
        if message.id != id {
            return Err(malformed(format!(
                "asked for message `{id}` and got `{}`",
                message.id
            )));
        }
        // Gmail pads inconsistently; accept both by stripping '=' first.
        let raw = URL_SAFE_NO_PAD
            .decode(message.raw.trim_end_matches('='))
            .map_err(|error| malformed(format!("`raw` is not valid base64url ({error})")))?;
        let mut label_ids = message.label_ids;
        label_ids.sort();
        label_ids.dedup();
        Ok(Fetched::Present(StoredMessage {
            id: message.id,
            thread_id: message.thread_id,
            label_ids,
            history_id: message.history_id,
            internal_date: message.internal_date,
            raw,
        }))
    }
}
