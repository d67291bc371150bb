//! yup-oauth2, set up the way a user would point it at the mock provider.
//!
//! - `ApplicationSecret.token_uri` is the mock's token endpoint;
//! - the hyper client is built by the caller over a plain connector
//!   (`HttpConnector` on 127.0.0.1, or [`crate::pipe`]), through
//!   `CustomHyperClientBuilder`: yup's default builder loads native TLS roots
//!   and fails on a host without CA certificates;
//! - a custom [`TokenStorage`] seeded with the account's refresh token, since
//!   yup's own memory storage cannot be seeded and the installed flow would
//!   otherwise start a browser consent.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::Connect;
use time::OffsetDateTime;
use yup_oauth2::authenticator::Authenticator;
use yup_oauth2::storage::{TokenInfo, TokenStorage, TokenStorageError};
use yup_oauth2::{
    ApplicationSecret, CustomHyperClientBuilder, InstalledFlowAuthenticator,
    InstalledFlowReturnMethod,
};

/// The scope every bench asks for.
pub const GMAIL_READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";

/// A token storage holding one token per scope set, seeded before use: what a
/// user writes to hand yup a refresh token obtained elsewhere.
///
/// Reads take a shared `RwLock` and clone the token (yup's `get` returns it
/// by value). Clones share the tokens, so a bench can keep one to expire
/// them between iterations.
#[derive(Debug, Clone)]
pub struct SeededStorage {
    tokens: Arc<RwLock<ScopedTokens>>,
}

/// Each token with the (sorted) scope set it was stored under.
type ScopedTokens = Vec<(Vec<String>, TokenInfo)>;

impl SeededStorage {
    /// Storage whose only token, for `scopes`, has `refresh_token` and
    /// expired a day ago, so the first `token()` call refreshes it.
    pub fn expired(scopes: &[&str], refresh_token: &str) -> Self {
        let mut scopes: Vec<String> = scopes.iter().map(|scope| (*scope).to_owned()).collect();
        scopes.sort_unstable();
        scopes.dedup();
        let token = TokenInfo {
            access_token: Some("ya29.expired".to_owned()),
            refresh_token: Some(refresh_token.to_owned()),
            expires_at: Some(OffsetDateTime::now_utc() - time::Duration::DAY),
            id_token: None,
        };
        Self {
            tokens: Arc::new(RwLock::new(vec![(scopes, token)])),
        }
    }

    /// Marks every held token expired a day ago (keeping its refresh token),
    /// so the next `token()` call refreshes.
    pub fn expire(&self) {
        let mut tokens = self.tokens.write().unwrap_or_else(|e| e.into_inner());
        for (_, token) in tokens.iter_mut() {
            token.expires_at = Some(OffsetDateTime::now_utc() - time::Duration::DAY);
        }
    }
}

#[async_trait]
impl TokenStorage for SeededStorage {
    async fn set(&self, scopes: &[&str], token: TokenInfo) -> Result<(), TokenStorageError> {
        let mut tokens = self
            .tokens
            .write()
            .map_err(|_| TokenStorageError::Other("token storage lock poisoned".into()))?;
        match tokens.iter_mut().find(|(held, _)| held == scopes) {
            Some((_, held)) => *held = token,
            None => tokens.push((scopes.iter().map(|s| (*s).to_owned()).collect(), token)),
        }
        Ok(())
    }

    async fn get(&self, scopes: &[&str]) -> Option<TokenInfo> {
        let tokens = self.tokens.read().ok()?;
        tokens
            .iter()
            .find(|(held, _)| held == scopes)
            .map(|(_, token)| token.clone())
    }
}

/// The mock's client, as yup reads it from a `client_secret.json`.
pub fn application_secret(
    token_uri: &str,
    client_id: &str,
    client_secret: &str,
) -> ApplicationSecret {
    ApplicationSecret {
        client_id: client_id.to_owned(),
        client_secret: client_secret.to_owned(),
        token_uri: token_uri.to_owned(),
        auth_uri: token_uri.replace("/token", "/o/oauth2/v2/auth"),
        redirect_uris: vec!["http://127.0.0.1/callback".to_owned()],
        ..ApplicationSecret::default()
    }
}

/// An installed-flow authenticator for one account: `client` (shared pool),
/// `secret`, and `storage` seeded with the account's refresh token.
pub async fn authenticator<C>(
    client: Client<C, String>,
    secret: ApplicationSecret,
    storage: SeededStorage,
) -> std::io::Result<Authenticator<C>>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    InstalledFlowAuthenticator::with_client(
        secret,
        InstalledFlowReturnMethod::HTTPRedirect,
        CustomHyperClientBuilder::from(client),
    )
    .with_storage(Box::new(storage))
    .build()
    .await
}
