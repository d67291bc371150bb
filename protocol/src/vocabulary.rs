//! The protocol's closed word lists: error kinds (`data.kind`), account
//! states (`status`) and capabilities (`initialize`). Each reads any word
//! (forward compatible: an unknown one becomes `Other`/`Unrecognized`) and
//! writes only its own.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a call failed: the `data.kind` of a `-32000` (or `-32602`) error.
///
/// ```
/// use oauth_chaos_protocol::ErrorKind;
/// let kind: ErrorKind = serde_json::from_str(r#""needs_a_nap""#).unwrap();
/// assert_eq!(kind, ErrorKind::Other);
/// assert_eq!(ErrorKind::UnknownAccount.name(), "unknown_account");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The grant is dead: the user must consent again.
    Revoked,
    /// Provider or network trouble; a retry may succeed.
    Transient,
    /// The broker's store failed.
    Storage,
    /// The provider answered something that is not OAuth (or a scope
    /// outside the configured ones was asked for).
    Protocol,
    /// The broker does not know the account.
    UnknownAccount,
    /// `initialize`: the store kind (or another setting) is not supported.
    Unsupported,
    /// `complete_authorization`: the callback itself was wrong (state,
    /// redirect, `error=`, no code).
    Rejected,
    /// `send`: Gmail refused the message for good.
    Refused,
    /// Sign-in: missing, unknown, replayed or another session's state.
    InvalidState,
    /// Sign-in: the id_token failed a check, or there was none.
    InvalidIdToken,
    /// Sign-in: it took longer than allowed.
    Expired,
    /// Sign-in: `error=` in the callback.
    Denied,
    /// Sign-in: the provider refused the code.
    CodeRejected,
    /// Sign-in: the token endpoint or the JWKS is down.
    Unavailable,
    /// Sign-in: the URL does not parse, has no code, or another issuer.
    InvalidCallback,
    /// Anything else (and every word this list does not have).
    #[serde(other)]
    Other,
}

impl ErrorKind {
    /// Every kind, `Other` last.
    pub const ALL: [ErrorKind; 16] = [
        ErrorKind::Revoked,
        ErrorKind::Transient,
        ErrorKind::Storage,
        ErrorKind::Protocol,
        ErrorKind::UnknownAccount,
        ErrorKind::Unsupported,
        ErrorKind::Rejected,
        ErrorKind::Refused,
        ErrorKind::InvalidState,
        ErrorKind::InvalidIdToken,
        ErrorKind::Expired,
        ErrorKind::Denied,
        ErrorKind::CodeRejected,
        ErrorKind::Unavailable,
        ErrorKind::InvalidCallback,
        ErrorKind::Other,
    ];

    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Revoked => "revoked",
            ErrorKind::Transient => "transient",
            ErrorKind::Storage => "storage",
            ErrorKind::Protocol => "protocol",
            ErrorKind::UnknownAccount => "unknown_account",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Rejected => "rejected",
            ErrorKind::Refused => "refused",
            ErrorKind::InvalidState => "invalid_state",
            ErrorKind::InvalidIdToken => "invalid_id_token",
            ErrorKind::Expired => "expired",
            ErrorKind::Denied => "denied",
            ErrorKind::CodeRejected => "code_rejected",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::InvalidCallback => "invalid_callback",
            ErrorKind::Other => "other",
        }
    }

    /// The kind named `name`; `Other` for a word this list does not have.
    pub fn from_name(name: &str) -> ErrorKind {
        ErrorKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .unwrap_or(ErrorKind::Other)
    }
}

/// An account's state in a `status` answer.
///
/// A word outside the protocol's five is kept as it came
/// (`Unrecognized`), so a report can show what a broker said.
///
/// ```
/// use oauth_chaos_protocol::AccountState;
/// let state: AccountState = serde_json::from_str(r#""needs_reauth""#).unwrap();
/// assert_eq!(state, AccountState::NeedsReauth);
/// assert_eq!(state, "needs_reauth");
/// let odd: AccountState = serde_json::from_str(r#""revoked""#).unwrap();
/// assert_eq!(odd.as_str(), "revoked");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccountState {
    /// A valid token is held (or can be served at once) and nothing fails.
    Ok,
    /// A refresh is in flight right now.
    Refreshing,
    /// Tokens may flow, but something is failing.
    Degraded,
    /// The grant is dead: only consent fixes it.
    NeedsReauth,
    /// Known, nothing failed, no token obtained yet.
    NoToken,
    /// A word the protocol does not define, as the broker sent it.
    Unrecognized(String),
}

impl AccountState {
    /// The protocol's states, in the precedence the reference broker
    /// checks them (after `needs_reauth` comes `refreshing`, ...), `ok` last.
    pub const DEFINED: [AccountState; 5] = [
        AccountState::NeedsReauth,
        AccountState::Refreshing,
        AccountState::Degraded,
        AccountState::NoToken,
        AccountState::Ok,
    ];

    /// The wire word.
    pub fn as_str(&self) -> &str {
        match self {
            AccountState::Ok => "ok",
            AccountState::Refreshing => "refreshing",
            AccountState::Degraded => "degraded",
            AccountState::NeedsReauth => "needs_reauth",
            AccountState::NoToken => "no_token",
            AccountState::Unrecognized(word) => word,
        }
    }

    /// The state a wire word names.
    pub fn from_wire(word: &str) -> AccountState {
        AccountState::DEFINED
            .into_iter()
            .find(|state| state.as_str() == word)
            .unwrap_or_else(|| AccountState::Unrecognized(word.to_owned()))
    }
}

impl From<&str> for AccountState {
    fn from(word: &str) -> Self {
        AccountState::from_wire(word)
    }
}

impl PartialEq<str> for AccountState {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for AccountState {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for AccountState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for AccountState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AccountState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let word = String::deserialize(deserializer)?;
        Ok(AccountState::from_wire(&word))
    }
}

/// What a broker declares in its `initialize` answer.
///
/// ```
/// use oauth_chaos_protocol::Capability;
/// let names: Vec<Capability> = serde_json::from_str(r#"["status","teleport"]"#).unwrap();
/// assert_eq!(names, [Capability::Status, Capability::Unrecognized]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// `access_token` (every broker has it).
    AccessToken,
    /// `status`.
    Status,
    /// `begin_authorization`, `complete_authorization`.
    Authorization,
    /// `sync`, `synced_ids`, `send` (and `gmail_request`).
    Gmail,
    /// `sign_in_begin`, `sign_in_complete`.
    SignIn,
    /// `service_account_token`.
    ServiceAccounts,
    /// Every wait of the broker for a provider-named time naps on the wall
    /// clock in short steps, so the harness may jump its libfaketime clock
    /// across quiet stretches (docs/PROTOCOL.md, "Time").
    WallClockWaits,
    /// A name this list does not have (ignored).
    #[serde(other)]
    Unrecognized,
}

impl Capability {
    /// Every capability the protocol defines.
    pub const DEFINED: [Capability; 7] = [
        Capability::AccessToken,
        Capability::Status,
        Capability::Authorization,
        Capability::Gmail,
        Capability::SignIn,
        Capability::ServiceAccounts,
        Capability::WallClockWaits,
    ];

    /// The wire name (`unrecognized` for the catch-all).
    pub fn name(self) -> &'static str {
        match self {
            Capability::AccessToken => "access_token",
            Capability::Status => "status",
            Capability::Authorization => "authorization",
            Capability::Gmail => "gmail",
            Capability::SignIn => "sign_in",
            Capability::ServiceAccounts => "service_accounts",
            Capability::WallClockWaits => "wall_clock_waits",
            Capability::Unrecognized => "unrecognized",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back_as_itself() {
        for kind in ErrorKind::ALL {
            let json = serde_json::to_string(&kind).expect("serializes");
            assert_eq!(json, format!("\"{}\"", kind.name()));
            assert_eq!(serde_json::from_str::<ErrorKind>(&json).ok(), Some(kind));
            assert_eq!(ErrorKind::from_name(kind.name()), kind);
        }
        for state in AccountState::DEFINED {
            let json = serde_json::to_string(&state).expect("serializes");
            assert_eq!(
                serde_json::from_str::<AccountState>(&json).ok(),
                Some(state)
            );
        }
        for capability in Capability::DEFINED {
            let json = serde_json::to_string(&capability).expect("serializes");
            assert_eq!(json, format!("\"{}\"", capability.name()));
        }
    }
}
