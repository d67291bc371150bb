//! The consumer's side: a small client that caches the relay's token, and while
//! the relay is down answers at once with a typed, retryable error instead of
//! retrying in a loop.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};

use crate::broker::response_check::parse_retry_after;
use crate::clock::Clock;
use crate::secret::AccessToken;
use crate::transport::HttpTransport;

/// First pause after a failure without `Retry-After`; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// A cached token is renewed this long before it expires (or at 90% of its life).
const RENEW_MARGIN: Duration = Duration::from_secs(60);

/// Why [`RelayClient::token`] has no token for the consumer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RelayClientError {
    /// The relay is down or its upstream is failing. Retry after `retry_after`;
    /// calls before then answer this at once without contacting the relay.
    #[error("the token relay is unavailable; retry in {} s", retry_after.as_secs())]
    Unavailable {
        /// When a call may contact the relay again.
        retry_after: Duration,
    },
    /// The relay refused this consumer (unknown credential, scope outside its role,
    /// bad request): a configuration error that retrying will not fix.
    #[error("the token relay refused this consumer with `{error}` (http {status})")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The relay's error code.
        error: String,
    },
    /// The credential behind this consumer's role was revoked; an operator must act.
    #[error("the credential behind this consumer's role was revoked")]
    Revoked,
}

impl RelayClientError {
    /// Whether calling again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}

/// A token from the relay.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RelayToken {
    /// The access token.
    pub access_token: AccessToken,
    /// When it expires (local clock).
    pub expires_at: SystemTime,
    /// Its scopes.
    pub scopes: Vec<String>,
}

#[derive(Default)]
struct ClientState {
    cached: Option<(RelayToken, SystemTime)>,
    /// No request before this.
    gate: Option<SystemTime>,
    failures: u32,
    last_error: Option<RelayClientError>,
}

/// A consumer's client for the token relay.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use reference_impl::{RelayClient, ReqwestTransport, SystemClock};
///
/// let relay = RelayClient::new(
///     "http://127.0.0.1:8080",
///     std::env::var("SYNC_WORKER_SECRET")?,
///     Arc::new(SystemClock),
///     Arc::new(ReqwestTransport::new()),
/// );
/// match relay.token().await {
///     Ok(token) => { /* call the API with token.access_token */ }
///     Err(error) if error.is_retryable() => { /* park this job; come back later */ }
///     Err(error) => return Err(error.into()),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RelayClient {
    token_url: String,
    credential: Arc<SecretString>,
    scopes: Option<Vec<String>>,
    clock: Arc<dyn Clock>,
    transport: Arc<dyn HttpTransport>,
    state: Arc<tokio::sync::Mutex<ClientState>>,
}

impl fmt::Debug for RelayClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RelayClient")
            .field("token_url", &self.token_url)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

#[derive(serde::Deserialize)]
struct TokenBody {
    access_token: String,
    expires_in: u64,
    #[serde(default)]
    scope: String,
}

#[derive(serde::Deserialize)]
struct ErrorBody {
    error: String,
    #[serde(default)]
    retryable: bool,
}

impl RelayClient {
    /// A client of the relay at `base_url` authenticating with `credential`.
    pub fn new(
        base_url: &str,
        credential: impl Into<String>,
        clock: Arc<dyn Clock>,
        transport: Arc<dyn HttpTransport>,
    ) -> Self {
        Self {
            token_url: format!("{}/v1/token", base_url.trim_end_matches('/')),
            credential: Arc::new(SecretString::from(credential.into())),
            scopes: None,
            clock,
            transport,
            state: Arc::default(),
        }
    }

    /// Asks for these scopes (a subset of the role's) instead of the whole role.
    #[must_use]
    pub fn with_scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// A token: the cached one while it is fresh, else one from the relay. One
    /// request at a time per client; while the relay is failing, calls inside the
    /// backoff answer [`RelayClientError::Unavailable`] at once, or the cached token
    /// if it has not expired.
    ///
    /// # Errors
    ///
    /// [`RelayClientError`]; see [`RelayClientError::is_retryable`].
    pub async fn token(&self) -> Result<RelayToken, RelayClientError> {
        let mut state = self.state.lock().await;
        let now = self.clock.now();
        if let Some((token, renew_at)) = &state.cached
            && now < *renew_at
        {
            return Ok(token.clone());
        }
        let unexpired = state
            .cached
            .as_ref()
            .map(|(token, _)| token)
            .filter(|token| now < token.expires_at)
            .cloned();
        if let Some(gate) = state.gate
            && now < gate
        {
            if let Some(token) = unexpired {
                return Ok(token);
            }
            return Err(match &state.last_error {
                Some(RelayClientError::Unavailable { .. }) | None => {
                    RelayClientError::Unavailable {
                        retry_after: gate.duration_since(now).unwrap_or_default(),
                    }
                }
                Some(other) => other.clone(),
            });
        }
        match self.fetch(now).await {
            Ok(token) => {
                let lifetime = token.expires_at.duration_since(now).unwrap_or_default();
                let margin = RENEW_MARGIN.min(lifetime / 10);
                let renew_at = token.expires_at.checked_sub(margin).unwrap_or(now);
                state.cached = Some((token.clone(), renew_at));
                state.gate = None;
                state.failures = 0;
                state.last_error = None;
                Ok(token)
            }
            Err((error, retry_after)) => {
                state.failures = state.failures.saturating_add(1);
                let backoff = retry_after.unwrap_or_else(|| {
                    let doublings = state.failures.saturating_sub(1).min(6);
                    (FIRST_BACKOFF * 2u32.pow(doublings)).min(MAX_BACKOFF)
                });
                state.gate = now.checked_add(backoff);
                state.last_error = Some(error.clone());
                tracing::warn!(%error, failures = state.failures, "token relay call failed");
                match (unexpired, &error) {
                    (Some(token), RelayClientError::Unavailable { .. }) => Ok(token),
                    _ => Err(match error {
                        RelayClientError::Unavailable { .. } => RelayClientError::Unavailable {
                            retry_after: backoff,
                        },
                        other => other,
                    }),
                }
            }
        }
    }

    /// Forgets the cached token (after an API answered 401 to it).
    pub async fn forget(&self) {
        self.state.lock().await.cached = None;
    }

    async fn fetch(
        &self,
        now: SystemTime,
    ) -> Result<RelayToken, (RelayClientError, Option<Duration>)> {
        let unavailable = || RelayClientError::Unavailable {
            retry_after: Duration::ZERO,
        };
        let body = match &self.scopes {
            Some(scopes) => serde_json::json!({ "scopes": scopes })
                .to_string()
                .into_bytes(),
            None => Vec::new(),
        };
        let request = http::Request::post(&self.token_url)
            .header(
                http::header::AUTHORIZATION,
                format!("Bearer {}", self.credential.expose_secret()),
            )
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body)
            .map_err(|_| {
                (
                    RelayClientError::Refused {
                        status: 0,
                        error: "invalid_relay_url".to_owned(),
                    },
                    None,
                )
            })?;
        let response = self
            .transport
            .send(request)
            .await
            .map_err(|_| (unavailable(), None))?;
        let status = response.status();
        if status.is_success() {
            let body: TokenBody =
                serde_json::from_slice(response.body()).map_err(|_| (unavailable(), None))?;
            return Ok(RelayToken {
                access_token: AccessToken::new(body.access_token),
                expires_at: now + Duration::from_secs(body.expires_in),
                scopes: body.scope.split_whitespace().map(str::to_owned).collect(),
            });
        }
        let retry_after = response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, now));
        let error = serde_json::from_slice::<ErrorBody>(response.body()).ok();
        Err(match error {
            Some(body) if body.error == "credential_revoked" => (RelayClientError::Revoked, None),
            Some(body) if body.retryable => (unavailable(), retry_after),
            Some(body) if body.error == "role_misconfigured" => (
                RelayClientError::Refused {
                    status: status.as_u16(),
                    error: body.error,
                },
                None,
            ),
            Some(body) if status.is_client_error() => (
                RelayClientError::Refused {
                    status: status.as_u16(),
                    error: crate::broker::response_check::sanitize_code(&body.error),
                },
                None,
            ),
            // 5xx from something in front of the relay, or a body we cannot read.
            _ => (unavailable(), retry_after),
        })
    }
}
