//! Signing-key rotation as a test triggers it: publish a key, switch the signer,
//! retire the old key. Also the JWKS cache lifetime verifiers are told, and the
//! scopes of an access token (what a verifier of down-scoped tokens asks).

use crate::MockProvider;
use crate::signing::SigningKeyError;
use std::time::Duration;

/// Which signing keys the JWKS publishes (oldest first) and which one signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeyIds {
    /// Published kids, oldest first.
    pub published: Vec<String>,
    /// The kid that signs new id_tokens.
    pub active: String,
}

impl MockProvider {
    /// Publishes a signing key in the JWKS without signing with it yet. `pem` is an
    /// RSA private key (PKCS#8 or PKCS#1); `None` takes the shipped key named `kid`
    /// (see [`SHIPPED_SIGNING_KEYS`](crate::SHIPPED_SIGNING_KEYS)).
    ///
    /// ```
    /// # async fn example() -> Result<(), mock_provider::SigningKeyError> {
    /// let provider = mock_provider::MockProvider::start().await;
    /// provider.add_signing_key("oauth-chaos-mock-2", None)?;
    /// provider.use_signing_key("oauth-chaos-mock-2")?;
    /// provider.retire_signing_key(mock_provider::ID_TOKEN_KEY_ID)?;
    /// assert_eq!(provider.signing_keys().published, ["oauth-chaos-mock-2"]);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SigningKeyError`]: a PEM that is not RSA, a kid already published, or no
    /// shipped key of that name.
    pub fn add_signing_key(&self, kid: &str, pem: Option<&str>) -> Result<(), SigningKeyError> {
        self.shared().state.signing.add(kid, pem)
    }

    /// Signs new id_tokens with the published key `kid`.
    ///
    /// # Errors
    ///
    /// [`SigningKeyError::UnknownKid`] when no published key has that id.
    pub fn use_signing_key(&self, kid: &str) -> Result<(), SigningKeyError> {
        self.shared().state.signing.activate(kid)
    }

    /// Removes `kid` from the JWKS: id_tokens it signed no longer verify.
    ///
    /// # Errors
    ///
    /// [`SigningKeyError::RetiringActiveSigner`] for the signing key,
    /// [`SigningKeyError::UnknownKid`] for one not published.
    pub fn retire_signing_key(&self, kid: &str) -> Result<(), SigningKeyError> {
        self.shared().state.signing.retire(kid)
    }

    /// The published kids and the active one.
    pub fn signing_keys(&self) -> SigningKeyIds {
        let (published, active) = self.shared().state.signing.kids();
        SigningKeyIds { published, active }
    }

    /// The scopes of a live access token, as the provider recorded them at issue
    /// (narrower than the grant's after a down-scoped refresh); `None` for a token
    /// it does not know or that expired. What `tokeninfo` answers, without a
    /// request that puts the token in a URL.
    pub fn access_token_scopes(&self, token: &secrecy::SecretString) -> Option<Vec<String>> {
        use secrecy::ExposeSecret;
        let now = self.shared().state.clock.now();
        let model = self.shared().state.model();
        let record = model.access_tokens.get(token.expose_secret())?;
        (record.expires_at > now)
            .then(|| record.scope.split_whitespace().map(str::to_owned).collect())
    }

    /// The `max-age` the JWKS answer carries in `Cache-Control` (default
    /// [`DEFAULT_JWKS_MAX_AGE`](crate::DEFAULT_JWKS_MAX_AGE)).
    pub fn set_jwks_max_age(&self, max_age: Duration) {
        self.shared().state.signing.set_max_age(max_age);
    }
}
