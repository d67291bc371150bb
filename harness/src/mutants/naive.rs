use crate::broker::{
    AccountReport, BrokerEnv, BrokerFailure, BrokerUnderTest, Capabilities, FailureKind,
};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// The flaws a [`NaiveBroker`] has.
#[derive(Debug, Clone, Copy)]
pub struct NaiveKnobs {
    /// Refresh this long before expiry.
    pub refresh_buffer: Duration,
}

impl Default for NaiveKnobs {
    fn default() -> Self {
        Self {
            refresh_buffer: Duration::from_secs(300),
        }
    }
}

#[derive(Debug)]
struct Cached {
    token: SecretString,
    expires_at: SystemTime,
}

/// A deliberately simple broker: a cache and a refresh with no
/// coordination between callers at all.
#[derive(Debug)]
pub struct NaiveBroker {
    env: BrokerEnv,
    knobs: NaiveKnobs,
    cache: Mutex<BTreeMap<String, Cached>>,
}

impl NaiveBroker {
    /// A naive broker for `env`.
    pub fn new(env: BrokerEnv, knobs: NaiveKnobs) -> Self {
        Self {
            env,
            knobs,
            cache: Mutex::new(BTreeMap::new()),
        }
    }

    fn cached(&self, account: &str, now: SystemTime) -> Option<SecretString> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(account)
            .filter(|c| now + self.knobs.refresh_buffer < c.expires_at)
            .map(|c| c.token.clone())
    }

    async fn refresh(&self, account: &str) -> Result<SecretString, BrokerFailure> {
        let failure = |kind, message: &str| BrokerFailure {
            kind,
            message: message.to_owned(),
        };
        let refresh_token = self
            .env
            .accounts
            .iter()
            .find(|(a, _)| a == account)
            .map(|(_, t)| t.clone())
            .ok_or_else(|| failure(FailureKind::Other, "unknown account"))?;
        let sent_at = self.env.clock.now();
        let body = serde_urlencoded::to_string([
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
            ("client_id", self.env.client_id.as_str()),
            ("client_secret", self.env.client_secret.expose_secret()),
        ])
        .map_err(|_| failure(FailureKind::Other, "cannot encode the refresh form"))?;
        let request = http::Request::post(&self.env.token_url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.into_bytes())
            .map_err(|_| failure(FailureKind::Other, "cannot build the refresh request"))?;
        let response = self
            .env
            .transport
            .send(request)
            .await
            .map_err(|_| failure(FailureKind::Transient, "transport failure"))?;
        let status = response.status();
        let json: serde_json::Value = serde_json::from_slice(response.body())
            .map_err(|_| failure(FailureKind::Transient, "token response is not json"))?;
        if !status.is_success() {
            let kind = match json["error"].as_str() {
                Some("invalid_grant" | "invalid_client" | "unauthorized_client") => {
                    FailureKind::Revoked
                }
                _ => FailureKind::Transient,
            };
            return Err(failure(kind, "token endpoint refused the refresh"));
        }
        let (Some(token), Some(expires_in)) =
            (json["access_token"].as_str(), json["expires_in"].as_u64())
        else {
            return Err(failure(FailureKind::Other, "token response lacks fields"));
        };
        let token = SecretString::from(token.to_owned());
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.insert(
            account.to_owned(),
            Cached {
                token: token.clone(),
                expires_at: sent_at + Duration::from_secs(expires_in),
            },
        );
        Ok(token)
    }
}

#[async_trait]
impl BrokerUnderTest for NaiveBroker {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            access_token: true,
            status: false,
        }
    }

    async fn access_token(&self, account: &str) -> Result<SecretString, BrokerFailure> {
        if let Some(token) = self.cached(account, self.env.clock.now()) {
            return Ok(token);
        }
        self.refresh(account).await
    }

    async fn status(&self) -> Vec<AccountReport> {
        Vec::new()
    }
}
