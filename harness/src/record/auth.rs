//! What a run records about consent, forged callbacks, API calls and the
//! broker's store, for `least_privilege`, `csrf_protected`,
//! `no_rejected_token_reuse` and `no_stale_overwrite`.

use crate::broker::{FailureKind, StoreWrite};
use crate::scenario::ForgeKind;
use mock_provider::Fingerprint;
use serde::Serialize;
use std::time::{Duration, SystemTime};

/// An authorization URL a broker handed the harness's browser, as the
/// provider's authorization endpoint received it (never its secrets).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthorizeRequest {
    /// Which instance made it.
    pub instance: u32,
    /// The account consenting.
    pub account: String,
    /// Provider time the browser sent it.
    pub at: SystemTime,
    /// The `scope` parameter, split.
    pub scopes: Vec<String>,
    /// The `code_challenge_method` parameter, if any.
    pub code_challenge_method: Option<String>,
    /// True when the request carried a `state`.
    pub has_state: bool,
    /// The provider's journal entry for it, when the harness could tell.
    pub journal_seq: Option<u64>,
}

/// One forged callback handed to a broker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForgedCallback {
    /// Which instance got it.
    pub instance: u32,
    /// The account whose consent was forged.
    pub account: String,
    /// What kind of forgery.
    pub kind: ForgeKind,
    /// Provider time the callback was handed over.
    pub started_at: SystemTime,
    /// Provider time the broker answered.
    pub finished_at: SystemTime,
    /// True when the broker accepted it (a CSRF hole).
    pub accepted: bool,
    /// Why the harness could not stage the forgery, if it could not.
    pub not_staged: Option<String>,
    /// Journal sequence numbers from here on (inclusive) ...
    pub journal_from: u64,
    /// ... up to here (exclusive) arrived while the broker handled it.
    pub journal_to: u64,
}

/// One consent the harness played (an `authorize` step).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Consent {
    /// Which instance.
    pub instance: u32,
    /// The account.
    pub account: String,
    /// Provider time it finished.
    pub at: SystemTime,
    /// `Ok` or the failure's message.
    pub result: Result<(), String>,
}

/// One API call the harness made as the app (a `gmail_profile` step): a
/// token from the broker, the call, and after a 401 the forced refresh.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiCall {
    /// Which instance served the tokens.
    pub instance: u32,
    /// The account.
    pub account: String,
    /// Provider time the first token was asked for.
    pub at: SystemTime,
    /// The token served for the call, or why there was none.
    pub token: Result<Fingerprint, FailureKind>,
    /// The API's HTTP status (`None`: no token, or the request failed).
    pub status: Option<u16>,
    /// The journal entry of the call, when the harness could tell.
    pub journal_seq: Option<u64>,
    /// After a 401: what the broker did when told the token was rejected.
    pub after_401: Option<AfterRejection>,
}

/// The broker's answer to "the API rejected this token" and the retry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AfterRejection {
    /// Provider time the harness told the broker (`access_token` with
    /// `rejected`).
    pub told_at: SystemTime,
    /// Provider time the broker answered.
    pub answered_at: SystemTime,
    /// Journal entries from here on (inclusive) ...
    pub journal_from: u64,
    /// ... up to here (exclusive) arrived while the broker answered.
    pub journal_to: u64,
    /// The token it served for the retry, or why there was none.
    pub token: Result<Fingerprint, FailureKind>,
    /// The retried call's HTTP status (`None`: no retry, or it failed).
    pub status: Option<u16>,
}

/// The authorization and store part of a [`RunRecord`](super::RunRecord).
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuthRecord {
    /// Every authorization URL the browser followed for a broker.
    pub authorize_requests: Vec<AuthorizeRequest>,
    /// Every forged callback.
    pub forged_callbacks: Vec<ForgedCallback>,
    /// Every `authorize` step's outcome.
    pub consents: Vec<Consent>,
    /// Provider-time spans in which an `evict_by_limit` step consented on
    /// another device (the harness's own code exchanges, not the broker's).
    pub other_device_consents: Vec<(SystemTime, SystemTime)>,
    /// Every API call the harness made as the app (`gmail_profile`).
    pub api_calls: Vec<ApiCall>,
    /// Committed writes to the brokers' stores, in commit order per store.
    pub store_writes: Vec<StoreWrite>,
    /// The scopes the scenario declares (`broker.scopes`).
    pub declared_scopes: Vec<String>,
    /// The provider's refresh-token rotation grace, when it rotates.
    pub rotation_grace: Option<Duration>,
}
