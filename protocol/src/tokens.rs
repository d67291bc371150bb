//! Levels 1 and 2: `access_token` (with the optional `rejected` token that
//! asks for a forced refresh after a 401) and `status`.

use crate::AccountState;
use serde::{Deserialize, Serialize};

/// `access_token` params. `Debug` hides `rejected`.
#[derive(Clone, Serialize, Deserialize)]
pub struct AccessTokenParams {
    /// The account.
    pub account: String,
    /// A token an API just answered 401 to: refresh unless it was
    /// already replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<String>,
}

impl AccessTokenParams {
    /// A plain call for `account`.
    pub fn plain(account: impl Into<String>) -> Self {
        Self {
            account: account.into(),
            rejected: None,
        }
    }
}

impl std::fmt::Debug for AccessTokenParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokenParams")
            .field("account", &self.account)
            .field("rejected", &self.rejected.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// `access_token` and `service_account_token` results: the only answers
/// that carry a secret. `Debug` hides it.
#[derive(Clone, Serialize, Deserialize)]
pub struct AccessTokenResult {
    /// The token.
    pub access_token: String,
}

impl std::fmt::Debug for AccessTokenResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokenResult").finish_non_exhaustive()
    }
}

/// The `status` result.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StatusResult {
    /// One entry per account.
    pub accounts: Vec<AccountStatusEntry>,
}

/// One account in a `status` answer. Extra fields are allowed (and
/// ignored), and so is a number field of another type (read as absent):
/// only `account` and `state` are required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountStatusEntry {
    /// The account.
    pub account: String,
    /// Its state.
    pub state: AccountState,
    /// Unix seconds of the last successful refresh.
    #[serde(default, deserialize_with = "number_or_absent")]
    pub last_refresh: Option<u64>,
    /// Unix seconds the held token expires.
    #[serde(default, deserialize_with = "number_or_absent")]
    pub expires_at: Option<u64>,
    /// Failed refreshes in a row.
    #[serde(default, deserialize_with = "number_or_absent")]
    pub consecutive_failures: Option<u32>,
    /// The operator alert raised on the account (`expiring_with_failures`),
    /// `null` or absent when none (a word of another type reads as none).
    #[serde(default, deserialize_with = "text_or_absent")]
    pub alert: Option<String>,
}

/// A whole number, or `None` for anything else (a float, a string, `null`).
fn number_or_absent<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<u64>,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(value.as_u64().and_then(|number| T::try_from(number).ok()))
}

/// A string, or `None` for anything else.
fn text_or_absent<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(value.as_str().map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_entry_needs_only_account_and_state() {
        let entry: AccountStatusEntry = serde_json::from_str(
            r#"{"account":"alice","state":"degraded","expires_at":1.5e9,"extra":[1]}"#,
        )
        .expect("lenient");
        assert_eq!(entry.state, AccountState::Degraded);
        assert_eq!(entry.expires_at, None);
    }
}
