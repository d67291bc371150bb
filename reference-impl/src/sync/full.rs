//! Full sync: note the mailbox's historyId, list every message id, fetch them in
//! windows and commit in batches, then reconcile (delete what Gmail no longer has) and
//! set the cursor in the same transaction as the last batch.
//!
//! The historyId is read from the profile *before* listing, so every change made while
//! the list and fetches run is replayed by the next partial sync; replaying a change
//! that is already reflected is harmless because writes are idempotent.

use std::collections::BTreeSet;

use super::crash::GmailEndpoint;
use super::engine::{SyncEngine, SyncMode, SyncReport};
use super::error::{Location, SyncError};
use super::fetch::Fetched;
use super::gmail::{Call, Repeat, parse, query_value, rejected};
use super::wire::{MessageList, Profile};
use crate::mailbox::{MailboxCommit, SyncLease};

impl SyncEngine {
    pub(crate) async fn full_sync(
        &self,
        account: &str,
        lease: &mut SyncLease,
        mode: SyncMode,
    ) -> Result<SyncReport, SyncError> {
        let history_id = self.profile_history_id(account).await?;
        let ids = self.list_all_ids(account).await?;
        let mut gone = BTreeSet::new();
        let mut report = SyncReport {
            mode,
            upserted: 0,
            deleted: 0,
            cursor: history_id,
        };
        let chunks: Vec<&[String]> = ids.chunks(self.config.commit_batch).collect();
        let last = chunks.len().saturating_sub(1);
        for (index, chunk) in chunks.iter().enumerate() {
            let mut commit = MailboxCommit::default();
            for fetched in self.fetch_all(account, chunk).await? {
                match fetched {
                    Fetched::Present(message) => commit.upserts.push(message),
                    Fetched::Gone(id) => {
                        commit.deletes.push(id.clone());
                        gone.insert(id);
                    }
                }
            }
            report.upserted += commit.upserts.len();
            report.deleted += commit.deletes.len();
            if index == last {
                commit.keep_only = Some(keep(&ids, &gone));
                commit.cursor = Some(history_id);
            }
            self.commit(account, lease, commit).await?;
        }
        if chunks.is_empty() {
            let commit = MailboxCommit {
                keep_only: Some(Vec::new()),
                cursor: Some(history_id),
                ..MailboxCommit::default()
            };
            self.commit(account, lease, commit).await?;
        }
        Ok(report)
    }

    async fn profile_history_id(&self, account: &str) -> Result<u64, SyncError> {
        let response = self
            .gmail
            .call(account, get(GmailEndpoint::Profile, "profile"))
            .await?;
        if !response.status().is_success() {
            return Err(rejected(account, GmailEndpoint::Profile, &response));
        }
        let profile: Profile = parse(account, Location::Profile, response.body())?;
        Ok(profile.history_id)
    }

    /// Every message id, in list order, without repeats.
    async fn list_all_ids(&self, account: &str) -> Result<Vec<String>, SyncError> {
        let mut ids = Vec::new();
        let mut seen = BTreeSet::new();
        let mut page_token: Option<String> = None;
        for page in 1.. {
            let mut path = format!("messages?maxResults={}", self.config.list_page_size);
            if let Some(token) = &page_token {
                path.push_str("&pageToken=");
                path.push_str(&query_value(token));
            }
            let response = self
                .gmail
                .call(account, get(GmailEndpoint::ListMessages, &path))
                .await?;
            if !response.status().is_success() {
                return Err(rejected(account, GmailEndpoint::ListMessages, &response));
            }
            let list: MessageList = parse(account, Location::ListPage(page), response.body())?;
            for message in list.messages {
                if seen.insert(message.id.clone()) {
                    ids.push(message.id);
                }
            }
            match list.next_page_token {
                Some(next) if page_token.as_ref() == Some(&next) => {
                    return Err(SyncError::Malformed {
                        account: account.to_owned(),
                        location: Location::ListPage(page),
                        problem: "`nextPageToken` repeats the token of this page".to_owned(),
                    });
                }
                Some(next) => page_token = Some(next),
                None => break,
            }
        }
        Ok(ids)
    }
}

fn keep(ids: &[String], gone: &BTreeSet<String>) -> Vec<String> {
    ids.iter()
        .filter(|id| !gone.contains(*id))
        .cloned()
        .collect()
}

pub(crate) fn get(endpoint: GmailEndpoint, path: &str) -> Call<'_> {
    Call {
        endpoint,
        method: http::Method::GET,
        path,
        body: None,
        repeat: Repeat::Safe,
    }
}
