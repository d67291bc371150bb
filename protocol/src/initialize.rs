//! `initialize`: what the harness tells a broker instance about the
//! provider, the client, the consented accounts and the store, and the
//! capabilities the broker answers with. `Debug` never shows a secret.

use crate::Capability;
use serde::{Deserialize, Serialize};

/// The protocol version the harness speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// `initialize` params.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InitializeParams {
    /// [`PROTOCOL_VERSION`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<u32>,
    /// The provider's endpoints.
    pub provider: ProviderParams,
    /// The OAuth client.
    pub client: ClientParams,
    /// Every account that already consented, with its refresh token.
    #[serde(default)]
    pub accounts: Vec<AccountParams>,
    /// The scopes to ask for.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The store the scenario asks for.
    #[serde(default)]
    pub store: StoreParams,
    /// The run's seed, for the broker's own jitter.
    #[serde(default)]
    pub seed: u64,
    /// Which instance of the fleet this is (0-based).
    #[serde(default)]
    pub instance: u64,
    /// True when the harness re-initializes after killing the process;
    /// absent on the first start.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restarted: bool,
    /// Service accounts (capability `service_accounts`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_accounts: Vec<ServiceAccountParams>,
    /// How long the broker's HTTP client should wait for a whole answer
    /// (the scenario's `broker.http_timeout`), in milliseconds; absent: the
    /// broker's own default. A broker wired around a library that sets its
    /// own may ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_timeout_ms: Option<u64>,
}

/// The provider's endpoints. An empty string means "not offered", as a
/// missing one does.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProviderParams {
    /// The token endpoint (always).
    pub token_url: String,
    /// With `redirect_url`: level 3 (authorization).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_url: Option<String>,
    /// The revocation endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_url: Option<String>,
    /// Level 4 (mail): `http://host:port/gmail/v1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gmail_base: Option<String>,
    /// Where the provider sends the browser back to (level 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// With `issuer`, `auth_url` and `redirect_url`: sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_url: Option<String>,
    /// The id_token issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

impl ProviderParams {
    /// The same endpoints with every empty URL taken as absent.
    #[must_use]
    pub fn without_empty_urls(mut self) -> Self {
        for url in [
            &mut self.auth_url,
            &mut self.redirect_url,
            &mut self.revoke_url,
            &mut self.gmail_base,
            &mut self.jwks_url,
            &mut self.issuer,
        ] {
            if url.as_deref().is_some_and(|u| u.trim().is_empty()) {
                *url = None;
            }
        }
        self
    }
}

/// The OAuth client. `Debug` hides the secret.
#[derive(Clone, Serialize, Deserialize)]
pub struct ClientParams {
    /// The client id.
    pub id: String,
    /// The client secret.
    pub secret: String,
}

impl std::fmt::Debug for ClientParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientParams")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A consented account. `Debug` hides the refresh token.
#[derive(Clone, Serialize, Deserialize)]
pub struct AccountParams {
    /// The account.
    pub account: String,
    /// Its refresh token.
    pub refresh_token: String,
}

impl std::fmt::Debug for AccountParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountParams")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// The store. `Debug` shows nothing: a postgres URL may carry a password.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoreParams {
    /// `memory`, `file:DIR`, `sqlite:PATH` or a `postgres://` URL.
    #[serde(default = "memory")]
    pub kind: String,
    /// The instance the store is for (informative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<u64>,
    /// Keyring entries (`kid:base64key`) to seal records with, instead of
    /// `OAUTH_CHAOS_STORE_KEYS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<String>,
}

impl Default for StoreParams {
    fn default() -> Self {
        Self {
            kind: memory(),
            instance: None,
            keys: None,
        }
    }
}

impl std::fmt::Debug for StoreParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreParams").finish_non_exhaustive()
    }
}

fn memory() -> String {
    "memory".to_owned()
}

/// A service account: Google's JSON key file (an object, or its text), an
/// optional subject and the scopes. `Debug` hides the key.
#[derive(Clone, Serialize, Deserialize)]
pub struct ServiceAccountParams {
    /// The name calls use for it.
    pub account: String,
    /// The key file.
    pub key: serde_json::Value,
    /// Domain-wide delegation: the user to act as.
    #[serde(default)]
    pub subject: Option<String>,
    /// The scopes it may ask for.
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

/// The `initialize` answer.
///
/// ```
/// use oauth_chaos_protocol::{Capability, InitializeResult};
/// let answer: InitializeResult =
///     serde_json::from_str(r#"{"capabilities":["access_token","status","x"]}"#).unwrap();
/// assert_eq!(answer.declared(), vec![Capability::AccessToken, Capability::Status]);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InitializeResult {
    /// What the broker supports.
    pub capabilities: Vec<Capability>,
    /// The broker's name, for reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl InitializeResult {
    /// The capabilities declared, unrecognized names left out.
    pub fn declared(&self) -> Vec<Capability> {
        self.capabilities
            .iter()
            .copied()
            .filter(|capability| *capability != Capability::Unrecognized)
            .collect()
    }

    /// True when `capability` was declared.
    pub fn has(&self, capability: Capability) -> bool {
        self.capabilities.contains(&capability)
    }
}
