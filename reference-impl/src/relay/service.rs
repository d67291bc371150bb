//! The relay's core, without HTTP: authenticate a consumer, bound its scopes by its
//! role, get the token from the broker (single flight per role's scope set), book
//! the numbers and raise the alert.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::config::{RelayConfig, RelayConfigError, Role, credential_digest};
use super::stats::{AlertSink, LogAlerts, RelayAlert, RelayStats, RoleStats};
use crate::broker::{BrokerError, ErrorKind, TokenBroker};
use crate::secret::AccessToken;

/// What a consumer gets: an access token, nothing else.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IssuedToken {
    /// The short-lived, down-scoped access token.
    pub access_token: AccessToken,
    /// Seconds it has left.
    pub expires_in: u64,
    /// The scopes it carries.
    pub scopes: Vec<String>,
}

/// Why the relay did not hand out a token.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum RelayError {
    /// No consumer has this credential.
    #[error("the consumer credential is not recognised")]
    UnknownConsumer,
    /// The consumer asked for a scope outside its role.
    #[error("consumer `{consumer}` asked for scope `{scope}`, outside its role `{role}`")]
    ScopeNotAllowed {
        /// The consumer.
        consumer: String,
        /// Its role.
        role: String,
        /// The first scope outside the role.
        scope: String,
    },
    /// The provider is unavailable or failing; the consumer should retry later.
    #[error("the token source for role `{role}` is unavailable; retry in {} s", retry_after.as_secs())]
    Unavailable {
        /// The role.
        role: String,
        /// When to try again.
        retry_after: Duration,
    },
    /// The role cannot be served as configured (a scope the account was never
    /// granted, an unknown account): an operator must fix the configuration.
    #[error("role `{role}` cannot be served as configured; an operator must fix it")]
    Misconfigured {
        /// The role.
        role: String,
    },
    /// The account's grant is revoked: an operator must re-authorize it.
    #[error("the credential behind role `{role}` was revoked; an operator must re-authorize it")]
    Revoked {
        /// The role.
        role: String,
    },
}

impl RelayError {
    /// Whether the consumer may succeed by retrying later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}

/// The token relay: hands consumers short-lived, down-scoped access tokens and
/// never a refresh token or key. Serve it over HTTP with [`TokenRelay::router`].
///
/// ```no_run
/// # async fn example(broker: reference_impl::TokenBroker) -> Result<(), Box<dyn std::error::Error>> {
/// use reference_impl::{RelayConfig, TokenRelay};
///
/// let config = RelayConfig::new()
///     .role("reader", "alice", ["https://www.googleapis.com/auth/gmail.readonly"])
///     .consumer("sync-worker", std::env::var("SYNC_WORKER_SECRET")?, "reader");
/// let relay = TokenRelay::new(broker, config)?;
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// axum::serve(listener, relay.router()).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TokenRelay {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    broker: TokenBroker,
    config: RelayConfig,
    stats: RelayStats,
    alerts: Arc<dyn AlertSink>,
}

impl fmt::Debug for TokenRelay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRelay")
            .field("roles", &self.inner.config.roles)
            .field("consumers", &self.inner.config.consumers)
            .finish_non_exhaustive()
    }
}

/// When a failing role's consumers should come back, absent a better estimate.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(5);

impl TokenRelay {
    /// A relay over `broker` (which holds the accounts the roles name).
    ///
    /// # Errors
    ///
    /// [`RelayConfigError`] when the configuration does not hold together.
    pub fn new(broker: TokenBroker, config: RelayConfig) -> Result<Self, RelayConfigError> {
        Self::with_alert_sink(broker, config, Arc::new(LogAlerts))
    }

    /// As [`new`](Self::new), sending alerts to `alerts` instead of the log.
    ///
    /// # Errors
    ///
    /// [`RelayConfigError`] when the configuration does not hold together.
    pub fn with_alert_sink(
        broker: TokenBroker,
        config: RelayConfig,
        alerts: Arc<dyn AlertSink>,
    ) -> Result<Self, RelayConfigError> {
        config.validate()?;
        Ok(Self {
            inner: Arc::new(Inner {
                broker,
                config,
                stats: RelayStats::default(),
                alerts,
            }),
        })
    }

    /// Per-role numbers: requests, latency, consecutive failures, alerting.
    pub fn stats(&self) -> std::collections::BTreeMap<String, RoleStats> {
        self.inner.stats.snapshot()
    }

    /// A token for the consumer holding `credential`: its role's scopes, or the
    /// subset `requested` names.
    ///
    /// # Errors
    ///
    /// [`RelayError`]; [`RelayError::is_retryable`] says whether to come back.
    pub async fn issue(
        &self,
        credential: &str,
        requested: Option<&[String]>,
    ) -> Result<IssuedToken, RelayError> {
        let digest = credential_digest(credential);
        let consumer = self
            .inner
            .config
            .consumers
            .iter()
            .find(|consumer| consumer.credential == digest)
            .ok_or(RelayError::UnknownConsumer)?;
        let role_name = consumer.role.as_str();
        let role = self
            .inner
            .config
            .roles
            .get(role_name)
            .ok_or(RelayError::UnknownConsumer)?;
        let scopes = match requested {
            Some(requested) if !requested.is_empty() => {
                if let Some(scope) = requested.iter().find(|s| !role.scopes.contains(s)) {
                    tracing::warn!(consumer = %consumer.id, role = role_name, "consumer asked for a scope outside its role");
                    return Err(RelayError::ScopeNotAllowed {
                        consumer: consumer.id.clone(),
                        role: role_name.to_owned(),
                        scope: scope.clone(),
                    });
                }
                let mut scopes = requested.to_vec();
                scopes.sort();
                scopes.dedup();
                scopes
            }
            _ => role.scopes.clone(),
        };
        let started = tokio::time::Instant::now();
        let result = self
            .inner
            .broker
            .access_token_scoped(&role.account, &scopes)
            .await;
        self.book(role_name, role, &scopes, started.elapsed(), &result);
        let access_token =
            result.map_err(|error| self.consumer_error(role_name, role, &scopes, &error))?;
        let expires_in = self
            .inner
            .broker
            .scoped_status(&role.account, &scopes)
            .and_then(|status| status.time_to_expiry)
            .map_or(0, |left| left.as_secs());
        tracing::debug!(consumer = %consumer.id, role = role_name, "token relayed");
        Ok(IssuedToken {
            access_token,
            expires_in,
            scopes,
        })
    }

    fn book(
        &self,
        role_name: &str,
        role: &Role,
        scopes: &[String],
        latency: Duration,
        result: &Result<AccessToken, BrokerError>,
    ) {
        // The broker's streak counts real acquisition attempts, not the consumers
        // that were told about the same failure during a backoff.
        let status = self.inner.broker.scoped_status(&role.account, scopes);
        let failures = status.as_ref().map_or(0, |s| s.consecutive_failures);
        let failures = if result.is_err() {
            failures.max(1)
        } else {
            failures
        };
        let alert_after = self
            .inner
            .config
            .alert_after
            .unwrap_or(RelayConfig::DEFAULT_ALERT_AFTER);
        let raise =
            self.inner
                .stats
                .record(role_name, latency, result.is_ok(), failures, alert_after);
        if raise {
            let last_error = match result.as_ref().err().map(BrokerError::kind) {
                Some(ErrorKind::Revoked) => "revoked",
                Some(ErrorKind::Storage) => "storage",
                Some(ErrorKind::Protocol | ErrorKind::UnknownAccount) => "protocol",
                Some(ErrorKind::Transient) | None => "transient",
            };
            self.inner.alerts.alert(&RelayAlert {
                role: role_name.to_owned(),
                account: role.account.clone(),
                consecutive_failures: failures,
                last_error,
            });
        }
    }

    fn consumer_error(
        &self,
        role_name: &str,
        role: &Role,
        scopes: &[String],
        error: &BrokerError,
    ) -> RelayError {
        tracing::warn!(role = role_name, kind = ?error.kind(), %error, "could not relay a token");
        match error.kind() {
            ErrorKind::Revoked => {
                return RelayError::Revoked {
                    role: role_name.to_owned(),
                };
            }
            ErrorKind::Protocol | ErrorKind::UnknownAccount => {
                return RelayError::Misconfigured {
                    role: role_name.to_owned(),
                };
            }
            ErrorKind::Transient | ErrorKind::Storage => {}
        }
        let now = self.inner.broker.clock().now();
        let retry_after = error
            .retry_after()
            .or_else(|| {
                self.inner
                    .broker
                    .scoped_status(&role.account, scopes)
                    .and_then(|status| status.next_attempt_at)
                    .and_then(|next| next.duration_since(now).ok())
            })
            .unwrap_or(DEFAULT_RETRY_AFTER)
            .max(Duration::from_secs(1));
        RelayError::Unavailable {
            role: role_name.to_owned(),
            retry_after,
        }
    }
}
