//! Parameter shapes several step kinds share: an account on one instance
//! (`authorize`, `gmail_profile`, `sync`), or an account alone (what Google
//! or the user does to it: `revoke_account`, `change_password`,
//! `invalidate_access_tokens`, `expire_history`). Each kind wraps one
//! (`#[serde(transparent)]`), so its file syntax is these fields.

use super::{Check, Invalid};
use schemars::JsonSchema;
use serde::Deserialize;

/// An account, and the broker instance that acts for it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnAccount {
    /// The account.
    pub account: String,
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
}

impl OnAccount {
    /// Both are known to the scenario; errors name `kind.account` or
    /// `kind.instance`.
    pub fn validate(&self, check: &Check<'_>, kind: &str) -> Result<(), Invalid> {
        check.account(&format!("{kind}.account"), &self.account)?;
        check.instance(&format!("{kind}.instance"), self.instance)
    }
}

/// An account.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The account.
    pub account: String,
}

impl Account {
    /// The account is in `provider.accounts`; the error names `kind.account`.
    pub fn validate(&self, check: &Check<'_>, kind: &str) -> Result<(), Invalid> {
        check.account(&format!("{kind}.account"), &self.account)
    }
}
