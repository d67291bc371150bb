use crate::broker::FailureKind;
use mock_provider::{Endpoint, Fingerprint, IssuedToken, JournalEntry};
use serde::Serialize;
use std::collections::HashMap;
use std::time::SystemTime;

/// One `access_token` call as the harness saw it.
#[derive(Debug, Clone, Serialize)]
pub struct ServedToken {
    /// Which broker instance answered.
    pub instance: u32,
    /// The account asked for.
    pub account: String,
    /// Provider time the call began.
    pub requested_at: SystemTime,
    /// Provider time the answer came.
    pub served_at: SystemTime,
    /// The token's fingerprint, or why there was none.
    pub result: Result<Fingerprint, FailureKind>,
}

/// Everything a run leaves for the checkers.
#[derive(Debug, Clone, Default)]
pub struct RunRecord {
    /// The provider's journal, in sequence order.
    pub journal: Vec<JournalEntry>,
    /// SHA-256 of the journal: the same seed gives the same hash.
    pub journal_hash: String,
    /// Every `access_token` call, in completion order.
    pub served: Vec<ServedToken>,
}

impl RunRecord {
    /// Every access token the provider issued, by fingerprint, with the
    /// sequence number of the entry that issued it.
    pub fn issued_tokens(&self) -> HashMap<Fingerprint, (u64, IssuedToken)> {
        self.journal
            .iter()
            .filter_map(|e| {
                e.issued
                    .clone()
                    .map(|t| (t.fingerprint.clone(), (e.seq, t)))
            })
            .collect()
    }

    /// True when an API request presenting `token` was answered 401 before `at`.
    pub fn token_rejected_before(&self, token: &Fingerprint, at: SystemTime) -> bool {
        self.journal.iter().any(|e| {
            e.endpoint != Endpoint::Token
                && e.status == 401
                && e.finished_at <= at
                && e.presented.contains(token)
        })
    }
}
