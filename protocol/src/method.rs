//! Every method of the protocol by its wire name.

use serde::{Deserialize, Serialize};

/// A protocol method.
///
/// ```
/// use oauth_chaos_protocol::Method;
/// assert_eq!(Method::SyncedIds.name(), "synced_ids");
/// assert_eq!(Method::from_name("synced_ids"), Some(Method::SyncedIds));
/// assert_eq!(Method::from_name("teleport"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Level 1: the first call; answers the capabilities.
    Initialize,
    /// Level 1: an access token for an account.
    AccessToken,
    /// Level 1: answer, then exit.
    Shutdown,
    /// Level 2: per-account state.
    Status,
    /// Level 3: the URL that starts consent.
    BeginAuthorization,
    /// Level 3: the callback that finishes it.
    CompleteAuthorization,
    /// Level 4: bring the stored mailbox up to date, deliver the outbox.
    Sync,
    /// Level 4: the message ids stored, one per row.
    SyncedIds,
    /// Level 4: send a message exactly once.
    Send,
    /// Level 4, optional: one authenticated Gmail call.
    GmailRequest,
    /// Level 5: the URL that starts a sign-in.
    SignInBegin,
    /// Level 5: the callback that finishes it, with a verified id_token.
    SignInComplete,
    /// Level 5: a service account's token.
    ServiceAccountToken,
}

impl Method {
    /// Every method, in the order docs/PROTOCOL.md introduces them.
    pub const ALL: [Method; 13] = [
        Method::Initialize,
        Method::AccessToken,
        Method::Shutdown,
        Method::Status,
        Method::BeginAuthorization,
        Method::CompleteAuthorization,
        Method::Sync,
        Method::SyncedIds,
        Method::Send,
        Method::GmailRequest,
        Method::SignInBegin,
        Method::SignInComplete,
        Method::ServiceAccountToken,
    ];

    /// The wire name (`access_token`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Method::Initialize => "initialize",
            Method::AccessToken => "access_token",
            Method::Shutdown => "shutdown",
            Method::Status => "status",
            Method::BeginAuthorization => "begin_authorization",
            Method::CompleteAuthorization => "complete_authorization",
            Method::Sync => "sync",
            Method::SyncedIds => "synced_ids",
            Method::Send => "send",
            Method::GmailRequest => "gmail_request",
            Method::SignInBegin => "sign_in_begin",
            Method::SignInComplete => "sign_in_complete",
            Method::ServiceAccountToken => "service_account_token",
        }
    }

    /// The method named `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|method| method.name() == name)
    }

    /// True for the methods whose result carries an access token in its
    /// `access_token` field: the one place a token belongs in an answer.
    pub fn answers_a_token(self) -> bool {
        matches!(self, Method::AccessToken | Method::ServiceAccountToken)
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_are_the_wire_names() {
        for method in Method::ALL {
            let json = serde_json::to_value(method).expect("serializes");
            assert_eq!(json, serde_json::Value::from(method.name()));
            assert_eq!(Method::from_name(method.name()), Some(method));
        }
    }
}
