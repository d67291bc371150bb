//! Posting lists over the retained journal, so a filtered query reads only
//! the entries that can match instead of scanning them all.
//!
//! Each list holds the sequence numbers of the entries with one value of
//! one field, in order. Appends push at the back; eviction pops the same
//! entry from the front of each list it is on, so the lists only ever hold
//! retained entries.

use super::{Endpoint, JournalEntry, JournalQuery};
use crate::chunked_queue::ChunkedQueue;
// Fx: the keys are endpoints, statuses and at most `MAX_KEYS` strings, and
// these maps are hashed several times per request.
use rustc_hash::FxHashMap as HashMap;

/// Sequence numbers, in order; small chunks because many lists are short.
pub(super) type Postings = ChunkedQueue<u64, 256>;

/// Distinct values indexed per text field. Client ids come from request
/// bodies, so junk could make them endless; past this many, new values are
/// not indexed and queries for them scan (see [`Keyed::lookup`]).
const MAX_KEYS: usize = 1024;

/// Posting lists per value of one text field (account, client id).
#[derive(Debug, Default)]
struct Keyed {
    lists: HashMap<String, Postings>,
    /// The newest entry whose value found no room in the index; while it
    /// is retained, a value missing from `lists` may still have entries.
    unindexed_up_to: Option<u64>,
}

/// What a query can use instead of a scan.
pub(super) enum Plan<'a> {
    /// Exactly these sequence numbers can match (then check each).
    Candidates(&'a Postings),
    /// Nothing can match.
    Empty,
    /// No index applies: scan the retained entries.
    Scan,
}

impl Keyed {
    fn add(&mut self, key: Option<&str>, seq: u64) {
        let Some(key) = key else { return };
        if let Some(list) = self.lists.get_mut(key) {
            list.push_back(seq);
        } else if self.lists.len() < MAX_KEYS {
            let mut list = Postings::default();
            list.push_back(seq);
            self.lists.insert(key.to_owned(), list);
        } else {
            self.unindexed_up_to = Some(seq);
        }
    }

    fn remove_front(&mut self, key: Option<&str>, seq: u64) {
        let Some(key) = key else { return };
        if let Some(list) = self.lists.get_mut(key) {
            if list.front() == Some(&seq) {
                list.pop_front();
            }
            if list.is_empty() {
                self.lists.remove(key);
            }
        }
    }

    fn lookup(&self, key: &str, first_retained: u64) -> Plan<'_> {
        match self.lists.get(key) {
            Some(list) => Plan::Candidates(list),
            None if self.unindexed_up_to.is_some_and(|s| s >= first_retained) => Plan::Scan,
            None => Plan::Empty,
        }
    }
}

/// Every posting list of the journal.
#[derive(Debug, Default)]
pub(super) struct JournalIndex {
    endpoint: HashMap<Endpoint, Postings>,
    status: HashMap<u16, Postings>,
    account: Keyed,
    client_id: Keyed,
    faulted: Postings,
    url_secret: Postings,
    refresh: Postings,
}

fn push(list: &mut Postings, yes: bool, seq: u64) {
    if yes {
        list.push_back(seq);
    }
}

fn pop(list: &mut Postings, yes: bool, seq: u64) {
    if yes && list.front() == Some(&seq) {
        list.pop_front();
    }
}

impl JournalIndex {
    pub fn add(&mut self, entry: &JournalEntry) {
        let seq = entry.seq;
        self.endpoint
            .entry(entry.endpoint)
            .or_default()
            .push_back(seq);
        self.status.entry(entry.status).or_default().push_back(seq);
        self.account.add(entry.account.as_deref(), seq);
        self.client_id.add(entry.client_id.as_deref(), seq);
        push(&mut self.faulted, entry.fault.is_some(), seq);
        push(&mut self.url_secret, entry.request.url_secret, seq);
        push(&mut self.refresh, entry.is_refresh(), seq);
    }

    /// Forgets `entry`, the oldest retained one.
    pub fn remove_oldest(&mut self, entry: &JournalEntry) {
        let seq = entry.seq;
        pop_keyed(&mut self.endpoint, entry.endpoint, seq);
        pop_keyed(&mut self.status, entry.status, seq);
        self.account.remove_front(entry.account.as_deref(), seq);
        self.client_id.remove_front(entry.client_id.as_deref(), seq);
        pop(&mut self.faulted, entry.fault.is_some(), seq);
        pop(&mut self.url_secret, entry.request.url_secret, seq);
        pop(&mut self.refresh, entry.is_refresh(), seq);
    }

    /// The refresh grant requests, in order.
    pub fn refreshes(&self) -> &Postings {
        &self.refresh
    }

    /// The shortest posting list that every match of `query` is on.
    pub fn plan(&self, query: &JournalQuery, first_retained: u64) -> Plan<'_> {
        let mut plans = Vec::with_capacity(6);
        if let Some(endpoint) = query.endpoint {
            plans.push(keyed_plan(self.endpoint.get(&endpoint)));
        }
        if let Some(status) = query.status {
            plans.push(keyed_plan(self.status.get(&status)));
        }
        if let Some(account) = &query.account {
            plans.push(self.account.lookup(account, first_retained));
        }
        if let Some(client_id) = &query.client_id {
            plans.push(self.client_id.lookup(client_id, first_retained));
        }
        if query.faulted == Some(true) {
            plans.push(Plan::Candidates(&self.faulted));
        }
        if query.url_secret == Some(true) {
            plans.push(Plan::Candidates(&self.url_secret));
        }
        let mut best = Plan::Scan;
        for plan in plans {
            best = match (best, plan) {
                (Plan::Empty, _) | (_, Plan::Empty) => Plan::Empty,
                (Plan::Scan, other) | (other, Plan::Scan) => other,
                (Plan::Candidates(a), Plan::Candidates(b)) => {
                    Plan::Candidates(if b.len() < a.len() { b } else { a })
                }
            };
        }
        best
    }
}

fn keyed_plan(list: Option<&Postings>) -> Plan<'_> {
    list.map_or(Plan::Empty, Plan::Candidates)
}

fn pop_keyed<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Postings>, key: K, seq: u64) {
    if let Some(list) = map.get_mut(&key) {
        pop(list, true, seq);
        if list.is_empty() {
            map.remove(&key);
        }
    }
}
