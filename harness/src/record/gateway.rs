//! What a run records about sign-ins, service-account tokens and the relay, for
//! `id_token_verified`, `least_privilege` (relay part), `no_credential_to_consumer`
//! and `relay_consumers_available`.

use crate::broker::FailureKind;
use crate::scenario::SignInKind;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::SystemTime;

/// One sign-in the harness played.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignInAttempt {
    /// The instance.
    pub instance: u32,
    /// What was handed over.
    pub kind: SignInKind,
    /// When it started and ended (provider time).
    pub started_at: SystemTime,
    /// When the broker answered.
    pub finished_at: SystemTime,
    /// `Some(email)` when the broker signed someone in.
    pub signed_in: Option<String>,
    /// The broker's refusal, when it refused.
    pub refusal: Option<String>,
    /// Why the harness could not stage the attack (then it proves nothing).
    pub not_staged: Option<String>,
    /// Journal range the attempt spanned.
    pub journal_from: u64,
    /// End of that range (exclusive).
    pub journal_to: u64,
}

/// One call of a relay consumer's client.
#[derive(Debug, Clone, Serialize)]
pub struct RelayCall {
    /// The consumer.
    pub consumer: String,
    /// When the call started and ended (provider time).
    pub started_at: SystemTime,
    /// When it ended.
    pub finished_at: SystemTime,
    /// The token's scopes at the provider, for a token; the failure otherwise
    /// (kind, retryable, message).
    pub result: Result<Vec<String>, (FailureKind, bool, String)>,
    /// The response bodies the consumer received (what crossed the boundary).
    #[serde(skip)]
    pub bodies: Vec<Vec<u8>>,
}

/// When the relay was down.
#[derive(Debug, Clone, Serialize)]
pub struct RelayOutageWindow {
    /// Taken down.
    pub from: SystemTime,
    /// Back up (`None`: still down at the end).
    pub until: Option<SystemTime>,
}

/// The gateway part of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GatewayRecord {
    /// Sign-ins, in the order they finished.
    pub sign_ins: Vec<SignInAttempt>,
    /// Relay consumer calls.
    pub relay_calls: Vec<RelayCall>,
    /// Relay outages.
    pub relay_outages: Vec<RelayOutageWindow>,
    /// When each consumer's client contacted the relay (consumer, provider time).
    pub relay_contacts: Vec<(String, SystemTime)>,
    /// The role scopes each consumer may get.
    pub consumer_scopes: BTreeMap<String, Vec<String>>,
    /// Long-lived credentials that must never reach a consumer: (what, value).
    #[serde(skip)]
    pub credentials: Vec<(String, secrecy::SecretString)>,
    /// The gateway's own secrets, which the provider never issued and so
    /// has not registered: (what, value) for each service-account private
    /// key line and each relay consumer's credential. `no_token_leak`
    /// looks for them beside the provider's secrets.
    #[serde(skip)]
    pub secrets: Vec<(&'static str, secrecy::SecretString)>,
}
