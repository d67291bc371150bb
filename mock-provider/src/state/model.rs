use crate::GrantId;
use secrecy::SecretString;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::SystemTime;

/// A registered OAuth client (a Google "web application" client).
#[derive(Debug, Clone)]
pub struct Client {
    /// The client secret (redacted in Debug by `secrecy`).
    pub secret: SecretString,
    /// Redirect URIs the authorization endpoint accepts, compared exactly.
    pub redirect_uris: Vec<String>,
}

/// A Google account the provider knows.
#[derive(Debug, Clone)]
pub struct Account {
    /// The stable subject id (`sub`).
    pub subject: String,
    /// `given_name` in id_tokens and userinfo (the profile scope).
    pub given_name: String,
    /// `family_name` in id_tokens and userinfo (the profile scope).
    pub family_name: String,
}

/// Why a grant stopped working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationCause {
    /// The user removed access (account page, or `revoke_account`).
    User,
    /// A client called `POST /revoke`.
    RevokeEndpoint,
    /// The per-(account, client) refresh-token limit evicted it.
    Evicted,
    /// The user changed their password and the grant had Gmail scopes.
    PasswordChange,
    /// A rotated-out refresh token was presented after its grace window.
    ReuseDetected,
}

/// One consent: an account granted scopes to a client. A grant is one
/// refresh-token family (rotation replaces the token, not the grant).
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
    /// Why it was revoked, when it was.
    pub revoked_by: Option<RevocationCause>,
    /// True when the grant has a refresh token (`access_type=offline`).
    pub offline: bool,
    /// Session control demands re-authentication: refresh answers
    /// `invalid_rapt`.
    pub reauth_required: bool,
}

impl Grant {
    /// True when any scope is a Gmail scope (a password change kills it).
    pub fn has_gmail_scope(&self) -> bool {
        self.scopes.iter().any(|s| {
            s == "https://mail.google.com/"
                || s.starts_with("https://www.googleapis.com/auth/gmail.")
        })
    }
}

/// An issued access token.
#[derive(Debug, Clone)]
pub struct AccessTokenRecord {
    /// The grant it was issued under.
    pub grant_id: GrantId,
    /// Provider time it was issued.
    pub issued_at: SystemTime,
    /// Expiry (provider clock).
    pub expires_at: SystemTime,
    /// Its scopes, space-separated (may be narrower than the grant's).
    pub scope: Arc<str>,
}

/// A refresh token's life.
#[derive(Debug, Clone)]
pub(crate) struct RefreshTokenRecord {
    pub grant_id: GrantId,
    pub last_used_at: SystemTime,
    /// Set when rotation replaced it.
    pub rotated_out_at: Option<SystemTime>,
}

/// PKCE parameters of an authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CodeChallenge {
    Plain(String),
    S256(String),
}

/// An issued authorization code and what its request said.
#[derive(Debug, Clone)]
pub(crate) struct AuthorizationCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub account: String,
    pub scopes: Vec<String>,
    pub challenge: Option<CodeChallenge>,
    /// `access_type=offline` and a refresh token is due on exchange.
    pub issue_refresh_token: bool,
    pub nonce: Option<String>,
    pub expires_at: SystemTime,
}

/// What an account consented to for one client, across grants.
#[derive(Debug, Clone, Default)]
pub(crate) struct Consent {
    pub scopes: BTreeSet<String>,
}

/// The access tokens issued under one grant.
#[derive(Debug, Clone, Default)]
pub(crate) struct IssuedAccessTokens {
    pub tokens: Vec<String>,
    /// Sweep expired tokens once the list reaches this length.
    pub sweep_at: usize,
}
