//! Level 5: `sign_in_begin`, `sign_in_complete` and
//! `service_account_token`.

use serde::{Deserialize, Serialize};

/// `sign_in_begin` params: the browser session the sign-in is bound to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInBeginParams {
    /// The browser session (a cookie's value).
    pub session: String,
}

/// `sign_in_complete` params. `Debug` hides the callback (it carries a
/// code).
#[derive(Clone, Serialize, Deserialize)]
pub struct SignInCompleteParams {
    /// The browser session.
    pub session: String,
    /// The URL the provider redirected the browser to.
    pub callback_url: String,
}

impl std::fmt::Debug for SignInCompleteParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInCompleteParams")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

/// The `sign_in_complete` result: the verified user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedInResult {
    /// The id_token's `sub`.
    pub subject: String,
    /// The id_token's verified `email`.
    pub email: String,
}

/// `service_account_token` params: `scopes` (optional) narrows the token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServiceAccountTokenParams {
    /// The service account.
    pub account: String,
    /// A subset of its configured scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
}
