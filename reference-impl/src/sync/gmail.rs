//! One Gmail request with the engine's retry discipline: 401 gets one forced token
//! refresh, 429 / rate-limit 403 / 5xx back off (server time first), and every send is
//! bracketed by crash points.

use std::sync::{Arc, Mutex};

use rand_chacha::ChaCha8Rng;
use serde::de::DeserializeOwned;

use super::crash::{CrashPoint, CrashPoints, GmailEndpoint};
use super::error::{Location, SyncError};
use super::retry::{RetryPolicy, jitter_rng, server_delay};
use super::token_source::{TokenSource, TokenSourceError};
use super::wire::ErrorEnvelope;
use crate::clock::Clock;
use crate::secret::AccessToken;
use crate::transport::{HttpResponse, HttpTransport, TransportError};

/// Whether repeating a request after an unknown outcome is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Reads: retry transport errors and 5xx.
    Safe,
    /// Sends: a transport error or 5xx may have been performed; hand it back.
    Unsafe,
}

/// A request to make, described without its token.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub endpoint: GmailEndpoint,
    pub method: http::Method,
    /// Path under `users/me/`, with query string.
    pub path: &'a str,
    pub body: Option<Vec<u8>>,
    pub repeat: Repeat,
}

#[derive(Debug)]
pub(crate) struct GmailClient {
    pub base: String,
    pub transport: Arc<dyn HttpTransport>,
    pub tokens: Arc<dyn TokenSource>,
    pub clock: Arc<dyn Clock>,
    pub crash: Arc<dyn CrashPoints>,
    pub retry: RetryPolicy,
    pub rng: Mutex<ChaCha8Rng>,
}

impl GmailClient {
    pub fn new(
        base: String,
        transport: Arc<dyn HttpTransport>,
        tokens: Arc<dyn TokenSource>,
        clock: Arc<dyn Clock>,
        retry: RetryPolicy,
        seed: u64,
    ) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            transport,
            tokens,
            clock,
            crash: Arc::new(super::crash::NoCrashes),
            retry,
            rng: Mutex::new(jitter_rng(seed)),
        }
    }

    pub fn crash_point(&self, point: CrashPoint) -> Result<(), SyncError> {
        self.crash.reached(point).map_err(SyncError::from)
    }

    /// Sends `call` until it gets an answer worth handing back: any status except 401
    /// and the retryable ones (those only after the retry budget is spent).
    pub async fn call(&self, account: &str, call: Call<'_>) -> Result<HttpResponse, SyncError> {
        let endpoint = call.endpoint;
        let mut token = self
            .tokens
            .access_token(account)
            .await
            .map_err(|error| token_error(account, error))?;
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.crash_point(CrashPoint::BeforeRequest(endpoint))?;
            // Spawned so that an in-process transport (the sim's router) runs on another
            // worker thread while this task parses earlier responses.
            let sent = tokio::spawn(self.transport.send(self.request(&call, &token)))
                .await
                .unwrap_or_else(|join_error| {
                    Err(TransportError::Other {
                        source: Some(Arc::new(join_error)),
                    })
                });
            self.crash_point(CrashPoint::AfterResponse(endpoint))?;
            let response = match sent {
                Ok(response) => response,
                Err(source) => {
                    if call.repeat == Repeat::Unsafe || attempt >= self.retry.max_attempts {
                        return Err(SyncError::Transport {
                            account: account.to_owned(),
                            endpoint,
                            source,
                        });
                    }
                    self.sleep_backoff(attempt).await;
                    continue;
                }
            };
            let status = response.status().as_u16();
            if status == 401 {
                if refreshed {
                    return Err(SyncError::Unauthorized {
                        account: account.to_owned(),
                        endpoint,
                    });
                }
                token = self
                    .tokens
                    .token_rejected(account, &token)
                    .await
                    .map_err(|error| token_error(account, error))?;
                refreshed = true;
                continue;
            }
            let envelope = (status >= 400).then(|| ErrorEnvelope::parse(response.body()));
            let rate_limited = status == 429
                || (status == 403
                    && envelope
                        .as_ref()
                        .and_then(ErrorEnvelope::reason)
                        .is_some_and(|r| {
                            matches!(r, "rateLimitExceeded" | "userRateLimitExceeded")
                        }));
            let server_error = status >= 500;
            if !rate_limited && !server_error {
                return Ok(response);
            }
            let exhausted = SyncError::RetriesExhausted {
                account: account.to_owned(),
                endpoint,
                status,
                attempts: attempt,
            };
            if (server_error && call.repeat == Repeat::Unsafe) || attempt >= self.retry.max_attempts
            {
                return Err(exhausted);
            }
            let retry_after = response
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok());
            let message = envelope.as_ref().and_then(|e| e.error.message.as_deref());
            match server_delay(retry_after, message, self.clock.now()) {
                Some(delay) if delay > self.retry.max_server_delay => return Err(exhausted),
                // A retry time already past is no guidance: retrying at once
                // would hammer a rate-limited user, so back off instead.
                Some(delay) if delay.is_zero() => self.sleep_backoff(attempt).await,
                Some(delay) => {
                    tracing::debug!(account, %endpoint, status, ?delay, "gmail asked to wait");
                    // Gmail named a time: wait for it on the wall clock.
                    let until = self.clock.now() + delay;
                    crate::clock::sleep_until_wall(self.clock.as_ref(), until).await;
                }
                None => self.sleep_backoff(attempt).await,
            }
        }
    }

    fn request(&self, call: &Call<'_>, token: &AccessToken) -> http::Request<Vec<u8>> {
        let mut builder = http::Request::builder()
            .method(call.method.clone())
            .uri(format!("{}/gmail/v1/users/me/{}", self.base, call.path))
            .header(
                http::header::AUTHORIZATION,
                format!("Bearer {}", token.expose_secret()),
            );
        if call.body.is_some() {
            builder = builder.header(http::header::CONTENT_TYPE, "application/json");
        }
        builder
            .body(call.body.clone().unwrap_or_default())
            // Method, a URI built from a validated base and header values we format
            // ourselves: only a bad `gmail_base` can fail, which `SyncEngine::new` checks.
            .unwrap_or_else(|_| http::Request::new(Vec::new()))
    }

    async fn sleep_backoff(&self, attempt: u32) {
        let delay = {
            let mut rng = self
                .rng
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            self.retry.backoff(attempt, &mut rng)
        };
        tokio::time::sleep(delay).await;
    }
}

fn token_error(account: &str, error: TokenSourceError) -> SyncError {
    match error {
        TokenSourceError::NeedsReauth { .. } => SyncError::NeedsReauth {
            account: account.to_owned(),
        },
        other => SyncError::TokenUnavailable {
            account: account.to_owned(),
            source: other,
        },
    }
}

/// A non-2xx answer the caller has no special meaning for.
pub(crate) fn rejected(
    account: &str,
    endpoint: GmailEndpoint,
    response: &HttpResponse,
) -> SyncError {
    let envelope = ErrorEnvelope::parse(response.body());
    SyncError::Rejected {
        account: account.to_owned(),
        endpoint,
        status: response.status().as_u16(),
        reason: envelope.reason().unwrap_or("unknown").to_owned(),
    }
}

/// Parses a 2xx body, naming where it came from on failure.
pub(crate) fn parse<T: DeserializeOwned>(
    account: &str,
    location: Location,
    body: &[u8],
) -> Result<T, SyncError> {
    serde_json::from_slice(body).map_err(|error| SyncError::Malformed {
        account: account.to_owned(),
        location,
        problem: error.to_string(),
    })
}

/// Percent-encodes a query value (page tokens, search queries).
pub(crate) fn query_value(value: &str) -> String {
    oauth2::url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A client for `base`, or `None` when `base` cannot form request URIs.
pub(crate) fn client_for(
    base: &str,
    transport: Arc<dyn HttpTransport>,
    tokens: Arc<dyn TokenSource>,
    clock: Arc<dyn Clock>,
    config: &super::config::SyncConfig,
) -> Option<GmailClient> {
    let base = base.trim_end_matches('/');
    let uri: http::Uri = format!("{base}/gmail/v1/users/me/profile").parse().ok()?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
        return None;
    }
    Some(GmailClient::new(
        base.to_owned(),
        transport,
        tokens,
        clock,
        config.retry.clone(),
        config.seed,
    ))
}
