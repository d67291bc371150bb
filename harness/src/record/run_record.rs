use crate::broker::{AccountReport, Capabilities, FailureKind};
use mock_provider::{Endpoint, Fingerprint, GrantId, IssuedToken, JournalEntry, RegisteredSecret};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

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

/// A fault the timeline mounted, and when (provider time).
#[derive(Debug, Clone, Serialize)]
pub struct FaultWindow {
    /// The mock's label for it (as in journal entries' `fault`).
    pub label: String,
    /// The `Retry-After` it answers with, if any.
    pub retry_after: Option<Duration>,
    /// The retry time its answers name in their message only (Gmail's
    /// `User-rate limit exceeded.  Retry after <RFC 3339>`), if any.
    pub retry_at: Option<SystemTime>,
    /// When it was mounted.
    pub mounted_at: SystemTime,
    /// When it was unmounted (`None`: still mounted at the end).
    pub unmounted_at: Option<SystemTime>,
}

/// One `status()` answer of one instance.
#[derive(Debug, Clone, Serialize)]
pub struct StatusSample {
    /// Which instance.
    pub instance: u32,
    /// Provider time of the poll.
    pub at: SystemTime,
    /// Provider time the answer came (what it says may reflect anything
    /// the broker learned until then).
    pub answered_at: SystemTime,
    /// What it said (empty when the call failed).
    pub accounts: Vec<AccountReport>,
}

/// A lifecycle event the timeline caused at the provider or a broker.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEvent {
    /// Provider time.
    pub at: SystemTime,
    /// What happened, e.g. `revoke_account alice@example.com`.
    pub what: String,
    /// The account concerned, if any.
    pub account: Option<String>,
    /// The kind of step (`revoke_account`, `restart`, `jump_clock`, ...).
    pub kind: &'static str,
}

/// What a `restart` event says when the instance died at a store write
/// (`crash_at_store_write`): what it had just refreshed was never stored.
pub const KILLED_AT_STORE_WRITE: &str = "killed at a store write";

/// Timeline steps of one kind that were not played because the broker
/// lacks the capability they need; invariants judging them are unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedStep {
    /// The step kind, as in scenario files (`status_poll`, `restart`, ...).
    pub kind: &'static str,
    /// The capability it needs.
    pub capability: &'static str,
    /// How many such steps were skipped.
    pub count: usize,
}

/// Everything a run leaves for the checkers.
#[derive(Debug, Clone, Default)]
pub struct RunRecord {
    /// The provider's journal, in sequence order.
    pub journal: Vec<JournalEntry>,
    /// SHA-256 of the journal: the same seed gives the same hash.
    pub journal_hash: String,
    /// Calls, status polls, timeline events, fault mounts and failure
    /// messages, in the order they were recorded.
    pub history: super::history::History,
    /// Everything the brokers logged (in-process: TRACE events; processes:
    /// stderr), concatenated.
    pub broker_log: Vec<u8>,
    /// Each instance's own log outside the harness's tracing capture (a
    /// process's stderr, across its restarts), by instance index: what
    /// `--out` saves for a person to read.
    pub instance_logs: Vec<(u32, Vec<u8>)>,
    /// The URL of every request an in-process broker sent.
    pub request_urls: Vec<String>,
    /// Every protocol answer process brokers sent, one JSON line each, with
    /// an `access_token` result's own token taken out (the leak scan reads
    /// the rest: `status` results, errors and their `data`, ...).
    pub broker_answers: Vec<u8>,
    /// Raw bytes of the store the harness provisioned, file by file (or
    /// table by table), read after every restart and after the run, each
    /// labelled with what it is and when it was read (for the plaintext
    /// leak scan; empty when the store is the broker's own memory).
    pub store_bytes: Vec<(String, Vec<u8>)>,
    /// Every secret the provider issued or was configured with.
    pub secrets: Vec<RegisteredSecret>,
    /// Protocol problems reported by process brokers.
    pub broker_problems: Vec<String>,
    /// In a fleet with a store each, which instance holds which grant (each
    /// consented on its own); empty when the fleet shares a store, or for
    /// one instance.
    pub own_grants: Vec<(u32, GrantId)>,
    /// Provider time the run started.
    pub started_at: Option<SystemTime>,
    /// Provider time the run ended.
    pub ended_at: Option<SystemTime>,
    /// Syncs, logical sends and both sides of every mailbox at the end.
    pub email: super::email::EmailRecord,
    /// Consent, forged callbacks and store writes.
    pub auth: super::auth::AuthRecord,
    /// Sign-ins, relay calls and what must not reach a consumer.
    pub gateway: super::gateway::GatewayRecord,
    /// What the broker under test can do.
    pub capabilities: Capabilities,
    /// How many broker instances the run had (0 when not recorded); the
    /// journal cannot tell their requests apart.
    pub instances: u32,
    /// Steps not played because the broker lacks what they need.
    pub skipped_steps: Vec<SkippedStep>,
}

impl RunRecord {
    /// `access_token` calls by result: `served`, or the failure kind's name.
    pub fn calls_by_result(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for call in self.history.served() {
            let key = match call.result {
                Ok(_) => "served",
                Err(kind) => kind.name(),
            };
            *counts.entry(key).or_insert(0) += 1;
        }
        counts
    }

    /// Every refresh-grant request, per grant, in order of arrival (ties by
    /// journal sequence): what the refresh checkers walk.
    pub fn refreshes_by_grant(&self) -> BTreeMap<&GrantId, Vec<&JournalEntry>> {
        let mut by_grant: BTreeMap<&GrantId, Vec<&JournalEntry>> = BTreeMap::new();
        for entry in self.journal.iter().filter(|e| e.is_refresh()) {
            if let Some(grant) = &entry.grant_id {
                by_grant.entry(grant).or_default().push(entry);
            }
        }
        for refreshes in by_grant.values_mut() {
            refreshes.sort_by_key(|e| (e.started_at, e.seq));
        }
        by_grant
    }

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
