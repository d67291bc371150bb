//! The check every per-account admin route and lifecycle operation makes
//! first: below both the handlers and the operations, which share it.

use super::errors::AdminError;
use crate::MockProvider;

/// `Ok` when `account` is one the provider was configured with, else the
/// 404 naming it.
pub(crate) fn known_account(p: &MockProvider, account: &str) -> Result<(), AdminError> {
    if p.accounts().iter().any(|(email, _)| email == account) {
        Ok(())
    } else {
        Err(AdminError::NotFound {
            what: "account",
            id: account.to_owned(),
        })
    }
}
