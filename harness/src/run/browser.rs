//! The harness as the user's browser (and as an attacker's): follows
//! authorization URLs against the mock provider's router in memory, and
//! runs its own code flows for grants made "on another device".

use crate::record::AuthorizeRequest;
use crate::sim::InMemoryTransport;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mock_provider::MockProvider;
use rand::RngCore;
use rand_chacha::ChaCha8Rng;
use reference_impl::HttpTransport;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::time::SystemTime;

/// What the browser needs of the provider, owned so tasks can keep it.
#[derive(Debug, Clone)]
pub(super) struct Browser {
    transport: InMemoryTransport,
    authorize_url: String,
    token_url: String,
    redirect_uri: String,
    client_id: String,
    client_secret: SecretString,
    gmail_profile_url: String,
}

/// The query parameters of a URL, in order (empty when it has none).
pub(super) fn query_pairs(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let query = query.split('#').next().unwrap_or_default();
    serde_urlencoded::from_str(query).unwrap_or_default()
}

/// The first value of parameter `name` in `url`.
pub(super) fn param(url: &str, name: &str) -> Option<String> {
    query_pairs(url)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// `url` with parameter `name` set to `value` (added if missing).
pub(super) fn with_param(url: &str, name: &str, value: &str) -> String {
    let base = url.split_once('?').map_or(url, |(b, _)| b);
    let mut pairs = query_pairs(url);
    match pairs.iter_mut().find(|(k, _)| k == name) {
        Some(pair) => pair.1 = value.to_owned(),
        None => pairs.push((name.to_owned(), value.to_owned())),
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{base}?{query}")
}

/// What an authorization URL asks for.
pub(super) fn describe(
    url: &str,
    instance: u32,
    account: &str,
    at: SystemTime,
) -> AuthorizeRequest {
    AuthorizeRequest {
        instance,
        account: account.to_owned(),
        at,
        scopes: param(url, "scope")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        code_challenge_method: param(url, "code_challenge_method"),
        has_state: param(url, "state").is_some_and(|s| !s.is_empty()),
        journal_seq: None,
    }
}

fn random_token(rng: &mut ChaCha8Rng) -> String {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// How long the harness's own requests (as a browser, another device or an
/// attacker) wait for an answer, like any HTTP client: a `hang` fault must
/// not stall the run (on paused time nothing else would wake it).
const BROWSER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

impl Browser {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, String> {
        match tokio::time::timeout(BROWSER_TIMEOUT, self.transport.send(request)).await {
            Ok(answer) => answer.map_err(|error| error.to_string()),
            Err(_) => Err(format!(
                "no answer within {}",
                humantime::format_duration(BROWSER_TIMEOUT)
            )),
        }
    }

    pub fn new(provider: &MockProvider) -> Self {
        Self {
            transport: InMemoryTransport::new(provider.router()),
            authorize_url: provider.authorize_url(),
            token_url: provider.token_url(),
            redirect_uri: provider.redirect_uri(),
            client_id: provider.client_id().to_owned(),
            client_secret: provider.client_secret(),
            gmail_profile_url: format!("{}/gmail/v1/users/me/profile", provider.uri()),
        }
    }

    /// GETs `url` as the user's browser (the mock consents at once) and
    /// returns where the provider redirects to: the callback URL.
    pub async fn follow(&self, url: &str) -> Result<String, String> {
        let request = http::Request::get(url)
            .body(Vec::new())
            .map_err(|_| "the authorization url is not a valid request".to_owned())?;
        let response = self
            .send(request)
            .await
            .map_err(|error| format!("authorization request failed: {error}"))?;
        if !response.status().is_redirection() {
            return Err(format!(
                "the authorization endpoint answered {} instead of a redirect",
                response.status().as_u16()
            ));
        }
        response
            .headers()
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| "the redirect had no location".to_owned())
    }

    /// A consent session of the harness's own (another device, or an
    /// attacker): its own state and PKCE verifier. Returns the callback URL
    /// and the verifier.
    pub async fn own_session(
        &self,
        account: &str,
        scopes: &[String],
        rng: &mut ChaCha8Rng,
    ) -> Result<(String, SecretString), String> {
        let verifier = random_token(rng);
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let state = random_token(rng);
        let scope = scopes.join(" ");
        let query = serde_urlencoded::to_string([
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("response_type", "code"),
            ("scope", scope.as_str()),
            ("access_type", "offline"),
            ("prompt", "consent"),
            ("login_hint", account),
            ("state", state.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .map_err(|_| "could not encode the authorization request".to_owned())?;
        let callback = self
            .follow(&format!("{}?{query}", self.authorize_url))
            .await?;
        Ok((callback, SecretString::from(verifier)))
    }

    /// Exchanges the code of an [`own_session`](Self::own_session) callback
    /// at the token endpoint (a new grant, counted against the limit).
    pub async fn exchange(&self, callback: &str, verifier: &SecretString) -> Result<(), String> {
        let code = param(callback, "code").ok_or("the callback carried no code")?;
        let body = serde_urlencoded::to_string([
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("code_verifier", verifier.expose_secret()),
        ])
        .map_err(|_| "could not encode the code exchange".to_owned())?;
        let request = http::Request::post(&self.token_url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.into_bytes())
            .map_err(|_| "the token url is not a valid request".to_owned())?;
        let response = self
            .send(request)
            .await
            .map_err(|error| format!("code exchange failed: {error}"))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!(
                "code exchange answered {}",
                response.status().as_u16()
            ))
        }
    }

    /// `GET` the Gmail profile with `token`; the HTTP status.
    pub async fn gmail_profile(&self, token: &SecretString) -> Result<u16, String> {
        let request = http::Request::get(&self.gmail_profile_url)
            .header(
                http::header::AUTHORIZATION,
                format!("Bearer {}", token.expose_secret()),
            )
            .body(Vec::new())
            .map_err(|_| "the token is not a valid header value".to_owned())?;
        let response = self
            .send(request)
            .await
            .map_err(|error| format!("gmail profile request failed: {error}"))?;
        Ok(response.status().as_u16())
    }
}
