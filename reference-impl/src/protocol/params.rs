//! The params of every method, as serde reads them. `Debug` never shows a
//! secret (client secret, refresh token, message bytes).

use serde::Deserialize;

/// `initialize` params.
#[derive(Debug, Deserialize)]
pub(super) struct InitializeParams {
    pub provider: ProviderParams,
    pub client: ClientParams,
    #[serde(default)]
    pub accounts: Vec<AccountParams>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub store: StoreParams,
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub instance: u64,
    /// True when the harness re-initializes after killing the process.
    #[serde(default)]
    pub restarted: bool,
    /// Service accounts (capability `service_accounts`).
    #[serde(default)]
    pub service_accounts: Vec<ServiceAccountParams>,
}

/// A service account in `initialize`: Google's JSON key file (as an object or
/// its text), an optional subject and the scopes. `Debug` hides the key.
#[derive(Deserialize)]
pub(super) struct ServiceAccountParams {
    pub account: String,
    pub key: serde_json::Value,
    #[serde(default)]
    pub subject: Option<String>,
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for ServiceAccountParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccountParams")
            .field("account", &self.account)
            .field("subject", &self.subject)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// `service_account_token` params: `scopes` (optional) narrows the token.
#[derive(Debug, Deserialize)]
pub(super) struct ServiceAccountTokenParams {
    pub account: String,
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// `sign_in_begin` params: the browser session the sign-in is bound to.
#[derive(Debug, Deserialize)]
pub(super) struct SignInBeginParams {
    pub session: String,
}

/// `sign_in_complete` params (the callback carries a code: not shown).
#[derive(Deserialize)]
pub(super) struct SignInCompleteParams {
    pub session: String,
    pub callback_url: String,
}

impl std::fmt::Debug for SignInCompleteParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInCompleteParams")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct ProviderParams {
    pub token_url: String,
    /// With `redirect_url`: enables level 3 (authorization).
    #[serde(default)]
    pub auth_url: Option<String>,
    /// Where the provider sends the browser back to (level 3).
    #[serde(default)]
    pub redirect_url: Option<String>,
    #[serde(default)]
    pub revoke_url: Option<String>,
    /// Enables level 4 (mail): `http://host:port/gmail/v1`.
    #[serde(default)]
    pub gmail_base: Option<String>,
    /// With `issuer`, `auth_url` and `redirect_url`: enables sign-in.
    #[serde(default)]
    pub jwks_url: Option<String>,
    /// The id_token issuer (the provider's base URI for the mock).
    #[serde(default)]
    pub issuer: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct ClientParams {
    pub id: String,
    pub secret: String,
}

impl std::fmt::Debug for ClientParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientParams")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
pub(super) struct AccountParams {
    pub account: String,
    pub refresh_token: String,
}

impl std::fmt::Debug for AccountParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountParams")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
pub(super) struct StoreParams {
    #[serde(default = "memory")]
    pub kind: String,
    /// The keyring to seal records with (`kid:base64key` entries), when the
    /// harness wants a restarted process to read them back; otherwise
    /// `OAUTH_CHAOS_STORE_KEYS`.
    #[serde(default)]
    pub keys: Option<String>,
}

impl Default for StoreParams {
    fn default() -> Self {
        Self {
            kind: memory(),
            keys: None,
        }
    }
}

impl std::fmt::Debug for StoreParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A postgres url may carry a password.
        f.debug_struct("StoreParams").finish_non_exhaustive()
    }
}

fn memory() -> String {
    "memory".to_owned()
}

/// The params of `status`-like calls on one account (`sync`, `synced_ids`,
/// `begin_authorization`).
#[derive(Debug, Deserialize)]
pub(super) struct AccountParam {
    pub account: String,
}

/// `access_token` params: `rejected` (optional) is a token an API just
/// answered 401 to, which asks for a forced (single-flight) refresh.
#[derive(Deserialize)]
pub(super) struct AccessTokenParams {
    pub account: String,
    #[serde(default)]
    pub rejected: Option<String>,
}

impl std::fmt::Debug for AccessTokenParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokenParams")
            .field("account", &self.account)
            .field("rejected", &self.rejected.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// `complete_authorization` params (the callback carries a code: not shown).
#[derive(Deserialize)]
pub(super) struct CallbackParams {
    pub callback_url: String,
}

impl std::fmt::Debug for CallbackParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackParams").finish_non_exhaustive()
    }
}

/// `send` params: the RFC 822 message as base64url (`raw`, as Gmail's own
/// `messages.send` takes it), padded or not.
#[derive(Deserialize)]
pub(super) struct SendParams {
    pub account: String,
    pub raw: String,
}

impl std::fmt::Debug for SendParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendParams")
            .field("account", &self.account)
            .field("raw_len", &self.raw.len())
            .finish()
    }
}

/// `gmail_request` params: a call relative to `gmail_base`.
#[derive(Debug, Deserialize)]
pub(super) struct GmailRequestParams {
    pub account: String,
    /// `GET` unless given.
    #[serde(default = "get")]
    pub method: String,
    /// Starts with `/users/`, e.g. `/users/me/profile`.
    pub path: String,
    /// A JSON body (sent as `application/json`).
    #[serde(default)]
    pub body: Option<serde_json::Value>,
}

fn get() -> String {
    "GET".to_owned()
}

/// Reads `params` as the params of `method`, or answers `-32602`.
pub(super) fn parse<T: serde::de::DeserializeOwned>(
    method: &str,
    params: serde_json::Value,
) -> Result<T, super::messages::RpcError> {
    serde_json::from_value(params).map_err(|error| super::messages::bad_params(method, &error))
}
