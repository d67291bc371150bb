//! The fault parts of a schedule's strategy: what a token-endpoint or
//! Gmail fault answers, how long it lasts, which Gmail endpoint it hits.

use super::schedule::{GmailFaultKind, GmailTarget, TokenFault};
use proptest::prelude::*;
use std::time::Duration;

pub(super) fn token_fault() -> impl Strategy<Value = TokenFault> {
    prop_oneof![
        3 => prop_oneof![Just(500u16), Just(503)].prop_map(TokenFault::Status),
        2 => (1u64..=120).prop_map(TokenFault::RateLimited),
        1 => (1u64..=45).prop_map(|s| TokenFault::Delay(Duration::from_secs(s))),
        2 => Just(TokenFault::AckLost),
        1 => Just(TokenFault::Reset),
        1 => Just(TokenFault::Hang),
    ]
}

/// Mostly short blips, sometimes an outage longer than a token's life.
pub(super) fn fault_length(ttl: Duration) -> impl Strategy<Value = Duration> {
    let ttl = ttl.as_secs();
    prop_oneof![
        5 => (1u64..=300).prop_map(Duration::from_secs),
        2 => (300u64..=1800).prop_map(Duration::from_secs),
        1 => (ttl..=ttl * 2).prop_map(Duration::from_secs),
    ]
}

/// Sends are where a lost acknowledgement duplicates mail: twice as often.
pub(super) fn gmail_target() -> impl Strategy<Value = GmailTarget> {
    prop_oneof![
        1 => Just(GmailTarget::List),
        1 => Just(GmailTarget::Get),
        1 => Just(GmailTarget::History),
        2 => Just(GmailTarget::Send),
        2 => Just(GmailTarget::All),
    ]
}

pub(super) fn gmail_fault_kind() -> impl Strategy<Value = GmailFaultKind> {
    prop_oneof![
        2 => prop_oneof![Just(500u16), Just(503)].prop_map(GmailFaultKind::Status),
        1 => (1u64..=30).prop_map(GmailFaultKind::RateLimited),
        2 => Just(GmailFaultKind::AckLost),
        1 => Just(GmailFaultKind::Reset),
    ]
}
