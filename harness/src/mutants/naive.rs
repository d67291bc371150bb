use crate::broker::{
    AccountReport, AccountState, BrokerEnv, BrokerFailure, BrokerUnderTest, FailureKind,
    InstanceHost, StatusFacet,
};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// The behaviours a [`NaiveBroker`] can get right or wrong. [`correct`]
/// gets everything right; each mutant flips one knob.
///
/// [`correct`]: NaiveKnobs::correct
#[derive(Debug, Clone, Copy)]
pub struct NaiveKnobs {
    /// Refresh this long before expiry (at most a quarter of the token's
    /// lifetime, so short-lived tokens are not refreshed on every call).
    pub refresh_buffer: Duration,
    /// One refresh at a time (callers queue behind it).
    pub single_flight: bool,
    /// After `invalid_grant`, never send that refresh token again.
    pub stop_after_invalid_grant: bool,
    /// Wait at least `Retry-After` before the next attempt.
    pub honour_retry_after: bool,
    /// Keep backing off under a `Retry-After` (the delay is the larger of
    /// the two); otherwise `Retry-After` replaces the backoff, so a server
    /// that keeps answering `Retry-After: 1` gets a retry every second.
    pub backoff_under_retry_after: bool,
    /// `status()` tells the truth (otherwise it always says `ok`).
    pub truthful_status: bool,
    /// Logs the access token at debug level.
    pub log_token: bool,
    /// A restart keeps the refresh tokens (as if they were stored durably);
    /// otherwise it forgets them, like a broker that kept them in memory.
    pub durable_grants: bool,
    /// A broker that lost its grants says so (`revoked`); otherwise it
    /// answers `transient`, as if the provider were down.
    pub lost_grant_says_revoked: bool,
    /// Attempts inside one `access_token` call before giving up.
    pub attempts_per_call: u32,
    /// A backoff longer than this ends the call; the next call waits it out.
    pub max_in_call_wait: Duration,
    /// Keeps the new refresh token a rotating provider returns (otherwise
    /// it keeps presenting the one it was given at consent).
    pub adopt_rotated_refresh_token: bool,
}

impl NaiveKnobs {
    /// Every behaviour right.
    pub fn correct() -> Self {
        Self {
            refresh_buffer: Duration::from_secs(300),
            single_flight: true,
            stop_after_invalid_grant: true,
            honour_retry_after: true,
            backoff_under_retry_after: true,
            truthful_status: true,
            log_token: false,
            durable_grants: true,
            lost_grant_says_revoked: true,
            attempts_per_call: 3,
            max_in_call_wait: Duration::from_secs(10),
            adopt_rotated_refresh_token: true,
        }
    }
}

impl Default for NaiveKnobs {
    fn default() -> Self {
        Self::correct()
    }
}

#[derive(Debug, Default)]
struct Account {
    /// The token and the moment to stop serving it.
    token: Option<(SecretString, SystemTime)>,
    revoked: bool,
    failures: u32,
    next_attempt_at: Option<SystemTime>,
    /// The refresh token a rotating provider handed back last.
    rotated_refresh_token: Option<SecretString>,
}

enum Attempt {
    Refused,
    Transient(Option<Duration>),
}

/// A deliberately simple broker: a cache, a refresh and a retry loop whose
/// every behaviour is a knob, so each mutant is correct but for one flaw.
#[derive(Debug)]
pub struct NaiveBroker {
    env: BrokerEnv,
    knobs: NaiveKnobs,
    accounts: Mutex<BTreeMap<String, Account>>,
    flight: tokio::sync::Mutex<()>,
    /// Set by a restart that lost the refresh tokens.
    amnesia: std::sync::atomic::AtomicBool,
}

impl NaiveBroker {
    /// A naive broker for `env`.
    pub fn new(env: BrokerEnv, knobs: NaiveKnobs) -> Self {
        Self {
            env,
            knobs,
            accounts: Mutex::new(BTreeMap::new()),
            flight: tokio::sync::Mutex::new(()),
            amnesia: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn with_account<T>(&self, account: &str, f: impl FnOnce(&mut Account) -> T) -> T {
        let mut accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        f(accounts.entry(account.to_owned()).or_default())
    }

    fn backoff(failures: u32) -> Duration {
        Duration::from_secs(1 << failures.saturating_sub(1).min(6)).min(Duration::from_secs(60))
    }

    async fn refresh_once(&self, account: &str) -> Result<SecretString, Attempt> {
        if self.amnesia.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(if self.knobs.lost_grant_says_revoked {
                Attempt::Refused
            } else {
                Attempt::Transient(None)
            });
        }
        let consented = self
            .env
            .accounts
            .iter()
            .find(|(a, _)| a == account)
            .map(|(_, t)| t.clone());
        let refresh_token = self
            .with_account(account, |a| a.rotated_refresh_token.clone())
            .or(consented)
            .ok_or(Attempt::Refused)?;
        let sent_at = self.env.clock.now();
        let body = serde_urlencoded::to_string([
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
            ("client_id", self.env.client_id.as_str()),
            ("client_secret", self.env.client_secret.expose_secret()),
        ])
        .map_err(|_| Attempt::Refused)?;
        let request = http::Request::post(&self.env.token_url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.into_bytes())
            .map_err(|_| Attempt::Refused)?;
        let response = self
            .env
            .transport
            .send(request)
            .await
            .map_err(|_| Attempt::Transient(None))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let json: serde_json::Value =
            serde_json::from_slice(response.body()).unwrap_or(serde_json::Value::Null);
        if !status.is_success() {
            tracing::debug!(account, status = status.as_u16(), "refresh failed");
            return match json["error"].as_str() {
                Some("invalid_grant" | "invalid_client" | "unauthorized_client") => {
                    Err(Attempt::Refused)
                }
                _ => Err(Attempt::Transient(retry_after)),
            };
        }
        let (Some(token), Some(expires_in)) =
            (json["access_token"].as_str(), json["expires_in"].as_u64())
        else {
            return Err(Attempt::Transient(None));
        };
        if self.knobs.log_token {
            tracing::debug!(account, access_token = token, "refresh succeeded");
        } else {
            tracing::debug!(account, "refresh succeeded");
        }
        let token = SecretString::from(token.to_owned());
        let lifetime = Duration::from_secs(expires_in);
        let refresh_at = sent_at + lifetime - self.knobs.refresh_buffer.min(lifetime / 4);
        let rotated = json["refresh_token"]
            .as_str()
            .filter(|_| self.knobs.adopt_rotated_refresh_token)
            .map(|t| SecretString::from(t.to_owned()));
        self.with_account(account, |a| {
            if rotated.is_some() {
                a.rotated_refresh_token = rotated;
            }
            a.token = Some((token.clone(), refresh_at));
            a.failures = 0;
            a.next_attempt_at = None;
        });
        Ok(token)
    }

    async fn obtain(&self, account: &str) -> Result<SecretString, BrokerFailure> {
        let fail = |kind, message: &str| Err(BrokerFailure::new(kind, message));
        // Quick retries inside a call only open a failure streak; once the
        // streak has begun, each call makes one attempt, so the gaps
        // between attempts keep growing instead of sawing up and down.
        let attempts = if self.with_account(account, |a| a.failures) == 0 {
            self.knobs.attempts_per_call
        } else {
            1
        };
        for attempt in 1..=attempts {
            let retry_after = match self.refresh_once(account).await {
                Ok(token) => return Ok(token),
                Err(Attempt::Refused) => {
                    self.with_account(account, |a| {
                        a.revoked = true;
                        a.token = None;
                    });
                    if self.knobs.stop_after_invalid_grant {
                        return fail(FailureKind::Revoked, "the grant was refused");
                    }
                    None
                }
                Err(Attempt::Transient(retry_after)) => retry_after,
            };
            let failures = self.with_account(account, |a| {
                a.failures += 1;
                a.failures
            });
            let mut wait = Self::backoff(failures);
            if self.knobs.honour_retry_after
                && let Some(retry_after) = retry_after
            {
                wait = if self.knobs.backoff_under_retry_after {
                    wait.max(retry_after)
                } else {
                    retry_after
                };
            }
            if attempt == attempts || wait > self.knobs.max_in_call_wait {
                let next = self.env.clock.now() + wait;
                self.with_account(account, |a| a.next_attempt_at = Some(next));
                break;
            }
            tokio::time::sleep(wait).await;
        }
        fail(FailureKind::Transient, "the token endpoint is failing")
    }
}

impl NaiveBroker {
    /// A token for `account`, from the cache or a refresh.
    async fn plain_token(&self, account: &str) -> Result<SecretString, BrokerFailure> {
        let _flight = if self.knobs.single_flight {
            Some(self.flight.lock().await)
        } else {
            None
        };
        let now = self.env.clock.now();
        let (cached, revoked, backing_off) = self.with_account(account, |a| {
            let cached = a
                .token
                .as_ref()
                .filter(|(_, refresh_at)| now < *refresh_at)
                .map(|(token, _)| token.clone());
            let backing_off = a.next_attempt_at.is_some_and(|next| now < next);
            (cached, a.revoked, backing_off)
        });
        if let Some(token) = cached {
            return Ok(token);
        }
        if revoked && self.knobs.stop_after_invalid_grant {
            return Err(BrokerFailure::new(
                FailureKind::Revoked,
                "the account needs re-authorization",
            ));
        }
        if backing_off {
            return Err(BrokerFailure::new(
                FailureKind::Transient,
                "backing off after failures",
            ));
        }
        self.obtain(account).await
    }
}

#[async_trait]
impl BrokerUnderTest for NaiveBroker {
    async fn access_token(
        &self,
        account: &str,
        rejected: Option<&SecretString>,
    ) -> Result<SecretString, BrokerFailure> {
        if let Some(rejected) = rejected {
            // A rejected cached token is dead whatever its expiry says; a
            // newer one (another caller's 401 got here first) is served as
            // it is.
            self.with_account(account, |a| {
                if a.token
                    .as_ref()
                    .is_some_and(|(token, _)| token.expose_secret() == rejected.expose_secret())
                {
                    a.token = None;
                }
            });
        }
        self.plain_token(account).await
    }

    fn status(&self) -> Option<&dyn StatusFacet> {
        Some(self)
    }
}

#[async_trait]
impl StatusFacet for NaiveBroker {
    async fn status(&self) -> Result<Vec<AccountReport>, BrokerFailure> {
        let accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(self
            .env
            .accounts
            .iter()
            .map(|(account, _)| {
                let state = match accounts.get(account) {
                    _ if !self.knobs.truthful_status => AccountState::Ok,
                    Some(a) if a.revoked => AccountState::NeedsReauth,
                    Some(a) if a.failures > 0 => AccountState::Degraded,
                    Some(a) if a.token.is_some() => AccountState::Ok,
                    _ => AccountState::NoToken,
                };
                AccountReport {
                    account: account.clone(),
                    state,
                    alert: None,
                }
            })
            .collect())
    }
}

#[async_trait]
impl InstanceHost for NaiveBroker {
    async fn restart(&self) -> Result<(), BrokerFailure> {
        let mut accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        if self.knobs.durable_grants {
            // Tokens come back from the store; in-memory backoff state does not.
            for account in accounts.values_mut() {
                account.failures = 0;
                account.next_attempt_at = None;
            }
        } else {
            accounts.clear();
            self.amnesia
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }
}
