use std::time::Duration;

/// Settings that shape how tokens are issued and how long they live.
///
/// Defaults follow Google; the RFC behaviours where Google departs from
/// them are options ([`RevokeUnknown::Rfc7009Ok`]).
#[derive(Debug, Clone)]
pub struct TokenPolicy {
    /// Lifetime of an access token (Google: 3599 s).
    pub access_token_ttl: Duration,
    /// Lifetime of an authorization code (default 10 minutes).
    pub code_ttl: Duration,
    /// Live refresh tokens per (account, client); the next one silently
    /// evicts the oldest (Google: 100; it was 25, then 50).
    pub refresh_token_limit: usize,
    /// The app is in Testing status: refresh tokens die 7 days after consent
    /// and token responses carry `refresh_token_expires_in`.
    pub testing_mode: bool,
    /// How long a Testing-mode refresh token lives after consent (7 days).
    pub testing_refresh_ttl: Duration,
    /// A refresh token unused this long dies (Google: 6 months).
    pub refresh_idle_expiry: Duration,
    /// Refresh-token rotation; `None` (Google's behaviour) never rotates.
    pub rotation: Option<Rotation>,
    /// How `POST /revoke` answers an unknown or already revoked token.
    pub revoke_unknown: RevokeUnknown,
    /// Send `iss` in the authorization response (RFC 9207).
    pub authorization_response_iss: bool,
    /// Scopes the device flow may ask for; `None` is Google's short list
    /// (sign-in, Drive's per-file scopes, YouTube: no Gmail).
    pub device_flow_scopes: Option<Vec<String>>,
    /// Lifetime of a device code (Google: 1800 s).
    pub device_code_ttl: Duration,
    /// The polling interval a device code asks for (Google: 5 s).
    pub device_poll_interval: Duration,
}

impl Default for TokenPolicy {
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(3599),
            code_ttl: Duration::from_secs(600),
            refresh_token_limit: 100,
            testing_mode: false,
            testing_refresh_ttl: Duration::from_secs(7 * 24 * 3600),
            refresh_idle_expiry: Duration::from_secs(183 * 24 * 3600),
            rotation: None,
            revoke_unknown: RevokeUnknown::GoogleError,
            authorization_response_iss: true,
            device_flow_scopes: None,
            device_code_ttl: Duration::from_secs(1800),
            device_poll_interval: Duration::from_secs(5),
        }
    }
}

/// Refresh-token rotation: each refresh returns a new refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// How long a rotated-out token still works. After that, presenting it
    /// is treated as theft and revokes the whole grant family.
    pub grace: Duration,
}

/// How `POST /revoke` answers a token it does not know or already revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RevokeUnknown {
    /// Google: 400 `invalid_token` "Token expired or revoked".
    #[default]
    GoogleError,
    /// RFC 7009 §2.2: 200, as if it had worked.
    Rfc7009Ok,
}

/// What the simulated user does on the consent screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConsentMode {
    /// Consent at once (the default).
    #[default]
    Grant,
    /// Click "Cancel": the client gets `error=access_denied`.
    Deny,
}
