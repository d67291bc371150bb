//! Parameters of the Gmail steps: sync, send, mailbox changes at the mock,
//! history expiry, a crash mid-sync, and faults on Gmail endpoints.

use schemars::JsonSchema;
use serde::Deserialize;
use std::time::Duration;

/// Parameters of `sync`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncStep {
    /// The account whose mailbox the broker syncs.
    pub account: String,
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
}

/// Parameters of `send`: `count` logical sends, one after another.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendStep {
    /// The sending account.
    pub account: String,
    /// How many messages (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
}

/// Parameters of `mailbox_add` and `mailbox_delete` (changes made at the
/// mock's Gmail, as new mail arriving or the user deleting mail).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MailboxChange {
    /// The account.
    pub account: String,
    /// How many messages (default 1); deletions pick seeded-random inbox
    /// messages.
    #[serde(default = "one")]
    pub count: u32,
}

/// Parameters of `mailbox_relabel`: the user reads, stars or archives mail
/// (labels change at the mock's Gmail; history records `labelsAdded` /
/// `labelsRemoved`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MailboxRelabel {
    /// The account.
    pub account: String,
    /// How many seeded-random messages (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Labels put on each (e.g. `STARRED`).
    #[serde(default)]
    pub add: Vec<String>,
    /// Labels taken off each (e.g. `UNREAD` to read it, `INBOX` to archive).
    #[serde(default)]
    pub remove: Vec<String>,
}

/// Parameters of `crash_sync`: a sync that dies mid-way, as from `kill -9`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrashSync {
    /// The account.
    pub account: String,
    /// Die at this crash point (0-based: every request, response and
    /// commit boundary the sync reaches is one).
    pub at_point: u32,
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
}

/// Which Gmail endpoint a `gmail_fault` targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GmailFaultEndpoint {
    /// `users.getProfile`.
    Profile,
    /// `users.messages.list` (also the outbox's Sent lookup).
    List,
    /// `users.messages.get`.
    Get,
    /// `users.history.list`.
    History,
    /// `users.messages.send`.
    Send,
    /// Each of the above (one fault per endpoint).
    All,
}

/// What a `gmail_fault` does to a matched request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GmailFaultKind {
    /// Answer `status` (5xx: Gmail's backend error body).
    Status,
    /// 429 with a `Retry-After` header of `retry_after`.
    RateLimited,
    /// Gmail's message-only 429: "User-rate limit exceeded.  Retry after
    /// <time>" in the body (the time is `retry_after` after the fault is
    /// mounted), no header.
    UserRateLimit,
    /// Handle the request (its effects stay), then drop the connection: the
    /// client never learns it worked.
    AckLost,
    /// Drop the connection without handling the request.
    Reset,
    /// Hold each request for `delay`, then handle it.
    Delay,
}

/// Parameters of `gmail_fault`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GmailFault {
    /// Which endpoint.
    pub endpoint: GmailFaultEndpoint,
    /// What happens.
    pub kind: GmailFaultKind,
    /// Only requests concerning this account.
    #[serde(default)]
    pub account: Option<String>,
    /// For `kind = "status"`.
    #[serde(default)]
    pub status: Option<u16>,
    /// For `rate_limited` and `user_rate_limit` (default 30s).
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub retry_after: Option<Duration>,
    /// For `kind = "delay"`.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub delay: Option<Duration>,
    /// Apply to the first `times` matching requests only.
    #[serde(default)]
    pub times: Option<u64>,
    /// Unmount at this time from the start of the run (default: the end).
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub until: Option<Duration>,
}

/// Parameters of `mail_store_fault`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MailStoreFault {
    /// How many of the next commits fail.
    pub failures: u32,
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
}

fn one() -> u32 {
    1
}

/// Checks a `gmail_fault` step; the error is (field path, message).
pub(super) fn validate_gmail_fault(
    fault: &GmailFault,
    known_account: impl Fn(&str, &str) -> Result<(), (String, String)>,
) -> Result<(), (String, String)> {
    if let Some(account) = &fault.account {
        known_account("gmail_fault.account", account)?;
    }
    match fault.kind {
        GmailFaultKind::Status => match fault.status {
            None => Err((
                "gmail_fault.status".into(),
                "`kind = \"status\"` needs a `status` to answer with".into(),
            )),
            Some(status) if !(100..=599).contains(&status) => Err((
                "gmail_fault.status".into(),
                format!("`{status}` is not an http status"),
            )),
            Some(_) => Ok(()),
        },
        GmailFaultKind::Delay if fault.delay.is_none() => Err((
            "gmail_fault.delay".into(),
            "`kind = \"delay\"` needs a `delay`".into(),
        )),
        _ => Ok(()),
    }
}
