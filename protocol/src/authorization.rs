//! Level 3: `begin_authorization` and `complete_authorization`.

use serde::{Deserialize, Serialize};

/// Params naming one account (`begin_authorization`, `sync`,
/// `synced_ids`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountParam {
    /// The account.
    pub account: String,
}

/// The `begin_authorization` (and `sign_in_begin`) result: where to send
/// the browser.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthorizationUrl {
    /// The provider's authorization URL with state and PKCE challenge.
    pub url: String,
}

/// `complete_authorization` params. `Debug` hides the callback (it
/// carries a code).
#[derive(Clone, Serialize, Deserialize)]
pub struct CallbackParams {
    /// The URL the provider redirected the browser to.
    pub callback_url: String,
}

impl std::fmt::Debug for CallbackParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackParams").finish_non_exhaustive()
    }
}

/// The `complete_authorization` result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CompletedAuthorization {
    /// The account that consented.
    pub account: String,
}
