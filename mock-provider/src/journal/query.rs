use super::{Endpoint, Journal, JournalEntry};
use serde::Deserialize;
use std::sync::Arc;

/// A filter over journal entries, usable from Rust and as the query string
/// of `GET /__admin/journal`. Unset fields match everything.
///
/// ```
/// use mock_provider::{Endpoint, JournalQuery};
/// # async fn example() {
/// let provider = mock_provider::MockProvider::start().await;
/// let refreshes = provider.journal().query(&JournalQuery {
///     endpoint: Some(Endpoint::Token),
///     account: Some("alice@example.com".into()),
///     ..JournalQuery::default()
/// });
/// assert!(refreshes.is_empty());
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalQuery {
    /// Only this endpoint.
    pub endpoint: Option<Endpoint>,
    /// Only this account.
    pub account: Option<String>,
    /// Only this client.
    pub client_id: Option<String>,
    /// Only this HTTP status (0 = connection dropped).
    pub status: Option<u16>,
    /// Only entries with sequence number at or above this.
    pub since: Option<u64>,
    /// Only entries shaped by a fault (`true`) or not (`false`).
    pub faulted: Option<bool>,
    /// Only entries whose URL carried a secret (`true`) or not (`false`).
    pub url_secret: Option<bool>,
}

impl JournalQuery {
    /// True when `entry` passes every set filter.
    pub fn matches(&self, entry: &JournalEntry) -> bool {
        self.endpoint.is_none_or(|e| entry.endpoint == e)
            && self
                .account
                .as_ref()
                .is_none_or(|a| entry.account.as_ref() == Some(a))
            && self
                .client_id
                .as_ref()
                .is_none_or(|c| entry.client_id.as_ref() == Some(c))
            && self.status.is_none_or(|s| entry.status == s)
            && self.since.is_none_or(|s| entry.seq >= s)
            && self.faulted.is_none_or(|f| entry.fault.is_some() == f)
            && self
                .url_secret
                .is_none_or(|u| entry.request.url_secret == u)
    }
}

impl Journal {
    /// The retained entries matching `query`, in journal order.
    ///
    /// Indexed: the lock is held only while the entries on the shortest
    /// posting list of the set filters (endpoint, account, client, status,
    /// `faulted=true`, `url_secret=true`, from `since`) are checked, so a
    /// selective query over a full journal costs what it returns.
    pub fn query(&self, query: &JournalQuery) -> Vec<JournalEntry> {
        let matching: Vec<Arc<JournalEntry>> = {
            let store = self.lock();
            let plan = store.index.plan(query, store.first_retained());
            store
                .candidates_since(plan, query.since.unwrap_or(0))
                .filter(|e| query.matches(e))
                .cloned()
                .collect()
        };
        matching.iter().map(|e| (**e).clone()).collect()
    }

    /// The retained entries for which `keep` is true, in journal order
    /// (`keep` runs outside the journal's lock).
    pub fn filter(&self, keep: impl Fn(&JournalEntry) -> bool) -> Vec<JournalEntry> {
        self.snapshot()
            .iter()
            .filter(|e| keep(e))
            .map(|e| (**e).clone())
            .collect()
    }

    /// Every retained entry for `endpoint`.
    pub fn for_endpoint(&self, endpoint: Endpoint) -> Vec<JournalEntry> {
        self.query(&JournalQuery {
            endpoint: Some(endpoint),
            ..JournalQuery::default()
        })
    }

    /// Every retained `refresh_token` grant request.
    pub fn refreshes(&self) -> Vec<JournalEntry> {
        let matching: Vec<Arc<JournalEntry>> = {
            let store = self.lock();
            let list = store.index.refreshes();
            list.iter_from(0)
                .filter_map(|seq| store.get(*seq))
                .cloned()
                .collect()
        };
        matching.iter().map(|e| (**e).clone()).collect()
    }

    /// Every retained request whose URL carried a secret.
    pub fn url_leaks(&self) -> Vec<JournalEntry> {
        self.query(&JournalQuery {
            url_secret: Some(true),
            ..JournalQuery::default()
        })
    }
}
