//! Partial sync: replay history from the stored cursor, every page, then apply all of
//! it and the page's `historyId` as the new cursor in one transaction.
//!
//! Any message added or relabelled is re-fetched rather than patched locally, so the
//! stored copy is always Gmail's current state of the message; a message gone by the
//! time it is fetched counts as deleted.

use std::collections::BTreeMap;

use super::crash::GmailEndpoint;
use super::engine::{SyncEngine, SyncMode, SyncReport};
use super::error::{Location, SyncError};
use super::fetch::Fetched;
use super::full::get;
use super::gmail::{parse, query_value, rejected};
use super::wire::HistoryPage;
use crate::mailbox::{MailboxCommit, SyncLease};

/// What the history says should happen to one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Fetch,
    Delete,
}

impl SyncEngine {
    /// `Ok(None)` when Gmail answered 404: the cursor is too old for history.
    pub(crate) async fn partial_sync(
        &self,
        account: &str,
        lease: &mut SyncLease,
        cursor: u64,
    ) -> Result<Option<SyncReport>, SyncError> {
        let mut actions: BTreeMap<String, Action> = BTreeMap::new();
        let mut page_token: Option<String> = None;
        let mut latest = cursor;
        for page in 1.. {
            let mut path = format!(
                "history?startHistoryId={cursor}&maxResults={}",
                self.config.history_page_size
            );
            if let Some(token) = &page_token {
                path.push_str("&pageToken=");
                path.push_str(&query_value(token));
            }
            let response = self
                .gmail
                .call(account, get(GmailEndpoint::History, &path))
                .await?;
            if response.status() == http::StatusCode::NOT_FOUND {
                return Ok(None);
            }
            if !response.status().is_success() {
                return Err(rejected(account, GmailEndpoint::History, &response));
            }
            // A page with `nextPageToken` and no `history` parses to an empty list and
            // the loop simply goes on to the next page.
            let history: HistoryPage =
                parse(account, Location::HistoryPage(page), response.body())?;
            for record in history.history {
                for change in record.messages_deleted {
                    actions.insert(change.message.id, Action::Delete);
                }
                let touched = record
                    .messages_added
                    .into_iter()
                    .chain(record.labels_added)
                    .chain(record.labels_removed);
                for change in touched {
                    actions.entry(change.message.id).or_insert(Action::Fetch);
                }
            }
            latest = history.history_id;
            match history.next_page_token {
                Some(next) if page_token.as_ref() == Some(&next) => {
                    return Err(SyncError::Malformed {
                        account: account.to_owned(),
                        location: Location::HistoryPage(page),
                        problem: "`nextPageToken` repeats the token of this page".to_owned(),
                    });
                }
                Some(next) => page_token = Some(next),
                None => break,
            }
        }
        let to_fetch: Vec<String> = actions
            .iter()
            .filter(|(_, action)| **action == Action::Fetch)
            .map(|(id, _)| id.clone())
            .collect();
        let mut commit = MailboxCommit {
            deletes: actions
                .into_iter()
                .filter(|(_, action)| *action == Action::Delete)
                .map(|(id, _)| id)
                .collect(),
            cursor: Some(latest),
            ..MailboxCommit::default()
        };
        for fetched in self.fetch_all(account, &to_fetch).await? {
            match fetched {
                Fetched::Present(message) => commit.upserts.push(message),
                Fetched::Gone(id) => commit.deletes.push(id),
            }
        }
        let report = SyncReport {
            mode: SyncMode::Partial,
            upserted: commit.upserts.len(),
            deleted: commit.deletes.len(),
            cursor: latest,
        };
        self.commit(account, lease, commit).await?;
        Ok(Some(report))
    }
}
