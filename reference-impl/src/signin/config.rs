//! What [`GoogleSignIn`](crate::GoogleSignIn) needs to know about the provider.

use std::time::Duration;

use crate::secret::ClientSecret;

/// Endpoints, client and limits of a sign-in. `Debug` redacts the client secret.
///
/// ```
/// use reference_impl::SignInConfig;
///
/// let config = SignInConfig::google("client-id", "client-secret", "https://app.example.com/auth/callback");
/// assert_eq!(config.issuer, "https://accounts.google.com");
/// assert!(!format!("{config:?}").contains("client-secret"));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SignInConfig {
    /// The OAuth client id: the id_token's required `aud`.
    pub client_id: String,
    /// The OAuth client secret.
    pub client_secret: ClientSecret,
    /// The authorization endpoint.
    pub auth_url: String,
    /// The token endpoint.
    pub token_url: String,
    /// The JWKS endpoint.
    pub jwks_url: String,
    /// Where the provider sends the browser back; registered exactly.
    pub redirect_url: String,
    /// The issuer; its form without `https://` is accepted too, as Google issues both.
    pub issuer: String,
    /// Scopes to ask for; `openid` is always added.
    pub scopes: Vec<String>,
    /// Clock leeway for `exp` and `iat`; clamped to [`SignInConfig::MAX_LEEWAY`].
    pub leeway: Duration,
    /// How long a started sign-in may take.
    pub attempt_ttl: Duration,
    /// At most one JWKS fetch per this interval, cached or not (see `jwks.rs`).
    pub jwks_min_refetch_interval: Duration,
    /// Seed for state, nonce and PKCE verifier: simulations only. `None` (the default)
    /// draws them from the operating system's CSPRNG.
    pub seed: Option<u64>,
}

impl SignInConfig {
    /// Default [`SignInConfig::leeway`]: one minute.
    pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);
    /// The largest leeway accepted: five minutes.
    pub const MAX_LEEWAY: Duration = Duration::from_secs(5 * 60);
    /// Default [`SignInConfig::attempt_ttl`]: ten minutes.
    pub const DEFAULT_ATTEMPT_TTL: Duration = Duration::from_secs(10 * 60);
    /// Default [`SignInConfig::jwks_min_refetch_interval`]: one minute.
    pub const DEFAULT_JWKS_MIN_REFETCH: Duration = Duration::from_secs(60);

    /// Google's endpoints and issuer.
    pub fn google(
        client_id: impl Into<String>,
        client_secret: impl Into<ClientSecret>,
        redirect_url: impl Into<String>,
    ) -> Self {
        Self::new(
            "https://accounts.google.com",
            "https://accounts.google.com/o/oauth2/v2/auth",
            "https://oauth2.googleapis.com/token",
            "https://www.googleapis.com/oauth2/v3/certs",
            client_id,
            client_secret,
            redirect_url,
        )
    }

    /// Any provider's endpoints (the mock's, in tests).
    pub fn new(
        issuer: impl Into<String>,
        auth_url: impl Into<String>,
        token_url: impl Into<String>,
        jwks_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<ClientSecret>,
        redirect_url: impl Into<String>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            auth_url: auth_url.into(),
            token_url: token_url.into(),
            jwks_url: jwks_url.into(),
            redirect_url: redirect_url.into(),
            issuer: issuer.into(),
            scopes: vec!["openid".to_owned(), "email".to_owned()],
            leeway: Self::DEFAULT_LEEWAY,
            attempt_ttl: Self::DEFAULT_ATTEMPT_TTL,
            jwks_min_refetch_interval: Self::DEFAULT_JWKS_MIN_REFETCH,
            seed: None,
        }
    }

    /// Sets [`SignInConfig::leeway`] (clamped to [`SignInConfig::MAX_LEEWAY`]).
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway.min(Self::MAX_LEEWAY);
        self
    }

    /// Sets [`SignInConfig::seed`].
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Sets [`SignInConfig::jwks_min_refetch_interval`].
    pub fn with_jwks_min_refetch_interval(mut self, interval: Duration) -> Self {
        self.jwks_min_refetch_interval = interval;
        self
    }
}
