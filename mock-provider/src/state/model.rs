use crate::GrantId;
use secrecy::SecretString;
use std::time::SystemTime;

/// A registered OAuth client.
#[derive(Debug, Clone)]
pub struct Client {
    /// The client secret (redacted in Debug by `secrecy`).
    pub secret: SecretString,
}

/// A Google account the provider knows.
#[derive(Debug, Clone)]
pub struct Account {
    /// The stable subject id (`sub`).
    pub subject: String,
}

/// One consent: an account granted scopes to a client.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The grant id.
    pub id: GrantId,
    /// Which account consented.
    pub account: String,
    /// To which client.
    pub client_id: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Provider time of consent.
    pub created_at: SystemTime,
    /// True once revoked by any cause.
    pub revoked: bool,
}

/// An issued access token.
#[derive(Debug, Clone)]
pub struct AccessTokenRecord {
    /// The grant it was issued under.
    pub grant_id: GrantId,
    /// Expiry (provider clock).
    pub expires_at: SystemTime,
}
