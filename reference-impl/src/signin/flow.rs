//! The sign-in flow: `begin` binds a fresh state, nonce and PKCE verifier to the
//! browser session; `complete` checks the callback against them, exchanges the code
//! and verifies the id_token.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth2::{
    AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenUrl,
};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::config::SignInConfig;
use super::error::SignInError;
use super::exchange::{OidcClient, exchange_code_for_id_token};
use super::jwks::JwksCache;
use super::verify::{Expected, VerifiedIdentity, verify_id_token};
use crate::broker::response_check::sanitize_code;
use crate::clock::Clock;
use crate::transport::HttpTransport;

/// Bound on sign-ins remembered at once, so abandoned ones cannot grow memory.
const MAX_PENDING: usize = 4096;

/// The sign-in module: Google OIDC with state, nonce, PKCE and a verified id_token.
///
/// ```no_run
/// # async fn example(session_cookie: &str, callback: &str) -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use reference_impl::{GoogleSignIn, ReqwestTransport, SignInConfig, SystemClock};
///
/// let config = SignInConfig::google("client-id", "client-secret", "https://app.example.com/auth/callback");
/// let sign_in = GoogleSignIn::new(config, Arc::new(SystemClock), Arc::new(ReqwestTransport::new()))?;
/// // GET /login: redirect the browser to this URL.
/// let url = sign_in.begin(session_cookie);
/// // GET /auth/callback?...: check it, then redirect to a URL without the code.
/// let who = sign_in.complete(session_cookie, callback).await?;
/// println!("signed in: {} <{}>", who.subject, who.email);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct GoogleSignIn {
    inner: Arc<Inner>,
}

struct Inner {
    config: SignInConfig,
    client: OidcClient,
    clock: Arc<dyn Clock>,
    transport: Arc<dyn HttpTransport>,
    jwks: JwksCache,
    attempts: Mutex<Attempts>,
}

struct Attempts {
    rng: ChaCha20Rng,
    pending: BTreeMap<String, Attempt>,
}

struct Attempt {
    /// SHA-256 of the browser session id: the raw id is not kept.
    session: [u8; 32],
    nonce: SecretString,
    verifier: SecretString,
    started_at: SystemTime,
}

impl fmt::Debug for GoogleSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleSignIn")
            .field("config", &self.inner.config)
            .field("jwks", &self.inner.jwks)
            .finish_non_exhaustive()
    }
}

/// A configured URL does not parse.
#[derive(Debug, thiserror::Error)]
#[error("the configured `{setting}` is not a valid absolute url")]
pub struct SignInConfigError {
    /// The `SignInConfig` field.
    pub setting: &'static str,
    /// The parse failure.
    #[source]
    pub source: oauth2::url::ParseError,
}

impl GoogleSignIn {
    /// Builds the module; nothing is sent until a callback is completed.
    ///
    /// # Errors
    ///
    /// [`SignInConfigError`] for a URL that does not parse.
    pub fn new(
        config: SignInConfig,
        clock: Arc<dyn Clock>,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<Self, SignInConfigError> {
        let invalid = |setting| move |source| SignInConfigError { setting, source };
        let auth_url = AuthUrl::new(config.auth_url.clone()).map_err(invalid("auth_url"))?;
        let token_url = TokenUrl::new(config.token_url.clone()).map_err(invalid("token_url"))?;
        let redirect_url =
            RedirectUrl::new(config.redirect_url.clone()).map_err(invalid("redirect_url"))?;
        url::Url::parse(&config.jwks_url).map_err(invalid("jwks_url"))?;
        let client = oauth2::Client::new(ClientId::new(config.client_id.clone()))
            .set_client_secret(oauth2::ClientSecret::new(
                config.client_secret.expose_secret().to_owned(),
            ))
            .set_auth_uri(auth_url)
            .set_token_uri(token_url)
            .set_redirect_uri(redirect_url)
            .set_auth_type(oauth2::AuthType::RequestBody);
        let rng = match config.seed {
            Some(seed) => ChaCha20Rng::seed_from_u64(seed ^ 0x0051_6E11),
            None => ChaCha20Rng::from_os_rng(),
        };
        let jwks = JwksCache::new(
            config.jwks_url.clone(),
            Arc::clone(&transport),
            Arc::clone(&clock),
            config.jwks_min_refetch_interval,
        );
        Ok(Self {
            inner: Arc::new(Inner {
                config: SignInConfig {
                    leeway: config.leeway.min(SignInConfig::MAX_LEEWAY),
                    ..config
                },
                client,
                clock,
                transport,
                jwks,
                attempts: Mutex::new(Attempts {
                    rng,
                    pending: BTreeMap::new(),
                }),
            }),
        })
    }

    /// Starts a sign-in for the browser session `session` (the session cookie's
    /// value) and returns the URL to redirect the browser to. The URL carries a fresh
    /// `state` and `nonce` and an S256 PKCE challenge; nothing secret.
    pub fn begin(&self, session: &str) -> String {
        let now = self.inner.clock.now();
        let ttl = self.inner.config.attempt_ttl;
        let mut attempts = self.attempts();
        attempts
            .pending
            .retain(|_, attempt| !expired(attempt, now, ttl));
        if attempts.pending.len() >= MAX_PENDING
            && let Some(oldest) = attempts
                .pending
                .iter()
                .min_by_key(|(_, attempt)| attempt.started_at)
                .map(|(state, _)| state.clone())
        {
            attempts.pending.remove(&oldest);
        }
        let state = attempts.random_token();
        let nonce = attempts.random_token();
        let verifier = attempts.random_token();
        let challenge =
            PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.clone()));
        let mut scopes = self.inner.config.scopes.clone();
        if !scopes.iter().any(|scope| scope == "openid") {
            scopes.insert(0, "openid".to_owned());
        }
        let (url, _) = self
            .inner
            .client
            .authorize_url(|| CsrfToken::new(state.clone()))
            .add_scopes(scopes.into_iter().map(Scope::new))
            .add_extra_param("nonce", nonce.clone())
            .set_pkce_challenge(challenge)
            .url();
        attempts.pending.insert(
            state,
            Attempt {
                session: digest(session),
                nonce: SecretString::from(nonce),
                verifier: SecretString::from(verifier),
                started_at: now,
            },
        );
        url.into()
    }

    /// Finishes the sign-in of browser session `session` from the URL the provider
    /// redirected to: the state must be one `begin` issued to this session and not
    /// used before; then the code is exchanged with the PKCE verifier and the
    /// id_token verified. After this, redirect the browser to a URL without the code.
    ///
    /// # Errors
    ///
    /// [`SignInError`]; its [`kind`](SignInError::kind) is stable for metrics.
    pub async fn complete(
        &self,
        session: &str,
        callback_url: &str,
    ) -> Result<VerifiedIdentity, SignInError> {
        let callback = url::Url::parse(callback_url).map_err(|_| SignInError::InvalidCallback)?;
        let query: BTreeMap<String, String> = callback.query_pairs().into_owned().collect();
        let state = query.get("state").ok_or(SignInError::MissingState)?;
        // Removed first: a state is good for one callback, whatever happens next.
        let attempt = self
            .attempts()
            .pending
            .remove(state)
            .ok_or(SignInError::UnknownState)?;
        if attempt.session != digest(session) {
            tracing::warn!("sign-in callback for a state issued to another session");
            return Err(SignInError::StateForOtherSession);
        }
        let now = self.inner.clock.now();
        if expired(&attempt, now, self.inner.config.attempt_ttl) {
            return Err(SignInError::Expired);
        }
        if let Some(iss) = query.get("iss")
            && iss != &self.inner.config.issuer
        {
            return Err(SignInError::IssuerMismatch);
        }
        if let Some(error) = query.get("error") {
            return Err(SignInError::Denied {
                error: sanitize_code(error),
            });
        }
        let code = query.get("code").ok_or(SignInError::MissingCode)?.clone();
        let id_token = exchange_code_for_id_token(
            &self.inner.client,
            &self.inner.transport,
            code,
            attempt.verifier.expose_secret().to_owned(),
            now,
        )
        .await?;
        let expected = Expected {
            issuer: &self.inner.config.issuer,
            client_id: &self.inner.config.client_id,
            nonce: attempt.nonce.expose_secret(),
            now: self.inner.clock.now(),
            leeway: self.inner.config.leeway,
        };
        let verified = verify_id_token(id_token.expose_secret(), &self.inner.jwks, &expected).await;
        if let Err(error) = &verified {
            tracing::warn!(kind = error.kind(), %error, "sign-in refused");
        }
        verified
    }

    /// Verifies an id_token obtained elsewhere (for example one a client sends
    /// with `nonce` it was given), with the same checks as [`complete`](Self::complete).
    ///
    /// # Errors
    ///
    /// [`SignInError::IdToken`] or [`SignInError::JwksUnavailable`].
    pub async fn verify(
        &self,
        id_token: &str,
        nonce: &str,
    ) -> Result<VerifiedIdentity, SignInError> {
        let expected = Expected {
            issuer: &self.inner.config.issuer,
            client_id: &self.inner.config.client_id,
            nonce,
            now: self.inner.clock.now(),
            leeway: self.inner.config.leeway,
        };
        verify_id_token(id_token, &self.inner.jwks, &expected).await
    }

    /// How many times the JWKS has been fetched (for tests and metrics).
    pub async fn jwks_fetches(&self) -> u64 {
        self.inner.jwks.fetches().await
    }

    /// Sign-ins started and not yet completed or expired.
    pub fn pending(&self) -> usize {
        self.attempts().pending.len()
    }

    fn attempts(&self) -> std::sync::MutexGuard<'_, Attempts> {
        // Attempts are inserted and removed whole; a panic leaves the map consistent.
        self.inner
            .attempts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Attempts {
    /// 32 random bytes, base64url (43 characters).
    fn random_token(&mut self) -> String {
        let mut bytes = [0u8; 32];
        self.rng.fill_bytes(&mut bytes);
        URL_SAFE_NO_PAD.encode(bytes)
    }
}

fn digest(session: &str) -> [u8; 32] {
    Sha256::digest(session.as_bytes()).into()
}

fn expired(attempt: &Attempt, now: SystemTime, ttl: Duration) -> bool {
    now.duration_since(attempt.started_at)
        .is_ok_and(|age| age > ttl)
}
