use std::time::SystemTime;

/// A snapshot of one account, from [`TokenBroker::status`](crate::TokenBroker::status).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountStatus {
    /// The account name.
    pub account: String,
    /// The account's overall state.
    pub state: AccountState,
    /// When the last successful refresh was sent.
    pub last_refresh: Option<SystemTime>,
    /// When the cached access token expires.
    pub expires_at: Option<SystemTime>,
    /// Refresh failures since the last success.
    pub consecutive_failures: u32,
}

/// An account's overall state, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountState {
    /// The provider rejected the grant; the user must re-authorize.
    NeedsReauth,
    /// A refresh is in flight.
    Refreshing,
    /// Tokens are being served, but a refresh or a store write failed recently.
    Degraded,
    /// No access token has been obtained yet.
    NoToken,
    /// A valid token is cached and the last refresh and write succeeded.
    Ok,
}
