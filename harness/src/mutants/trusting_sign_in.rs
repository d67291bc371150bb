//! The sign-in flaw of `mutant:trusts-id-token`: state and session are checked as
//! they should be, the code is exchanged, and then the id_token's payload is
//! believed without checking its signature, issuer, audience, expiry or nonce.

use crate::broker::{BrokerEnv, BrokerFailure, FailureKind, SignedIn, SubstituteSignIn};
use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reference_impl::HttpTransport;
use secrecy::ExposeSecret;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

#[derive(Debug)]
pub(crate) struct TrustingSignIn {
    env: BrokerEnv,
    transport: Arc<dyn HttpTransport>,
    /// state -> browser session.
    pending: Mutex<(ChaCha8Rng, BTreeMap<String, String>)>,
}

fn failure(message: impl Into<String>) -> BrokerFailure {
    BrokerFailure::new(FailureKind::Other, message)
}

/// The reference binding's stand-in sign-in flow for `mutant:trusts-id-token`.
pub(crate) fn substitute(env: &BrokerEnv) -> Box<dyn SubstituteSignIn> {
    Box::new(TrustingSignIn::new(env))
}

impl TrustingSignIn {
    pub fn new(env: &BrokerEnv) -> Self {
        Self {
            env: env.clone(),
            transport: env.transport.clone(),
            pending: Mutex::new((
                ChaCha8Rng::seed_from_u64(env.seed ^ 0x7257),
                BTreeMap::new(),
            )),
        }
    }
}

#[async_trait]
impl SubstituteSignIn for TrustingSignIn {
    fn begin(&self, session: &str) -> String {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        let mut bytes = [0u8; 24];
        pending.0.fill_bytes(&mut bytes);
        let state = URL_SAFE_NO_PAD.encode(bytes);
        pending.1.insert(state.clone(), session.to_owned());
        let query = serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", self.env.client_id.as_str()),
            ("redirect_uri", self.env.redirect_url.as_str()),
            ("scope", "openid email"),
            ("state", state.as_str()),
            ("nonce", state.as_str()),
        ])
        .unwrap_or_default();
        format!("{}?{query}", self.env.auth_url)
    }

    async fn complete(&self, session: &str, callback_url: &str) -> Result<SignedIn, BrokerFailure> {
        let pairs: BTreeMap<String, String> = url::Url::parse(callback_url)
            .map_err(|_| failure("bad callback"))?
            .query_pairs()
            .into_owned()
            .collect();
        let state = pairs.get("state").ok_or_else(|| failure("no state"))?;
        let owner = self
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .1
            .remove(state)
            .ok_or_else(|| failure("unknown state"))?;
        if owner != session {
            return Err(failure("state of another session"));
        }
        let code = pairs.get("code").ok_or_else(|| failure("no code"))?;
        let body = serde_urlencoded::to_string([
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", self.env.redirect_url.as_str()),
            ("client_id", self.env.client_id.as_str()),
            ("client_secret", self.env.client_secret.expose_secret()),
        ])
        .unwrap_or_default();
        let request = http::Request::post(&self.env.token_url)
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body.into_bytes())
            .map_err(|_| failure("bad token url"))?;
        let response = self
            .transport
            .send(request)
            .await
            .map_err(|error| BrokerFailure::new(FailureKind::Transient, error.to_string()))?;
        let json: serde_json::Value = serde_json::from_slice(response.body())
            .map_err(|_| failure("token answer not json"))?;
        let id_token = json["id_token"]
            .as_str()
            .ok_or_else(|| failure("no id_token"))?;
        // The flaw: the payload is believed as it stands.
        let payload = id_token
            .split('.')
            .nth(1)
            .ok_or_else(|| failure("not a jwt"))?;
        let claims: serde_json::Value = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| failure("unreadable payload"))?;
        Ok(SignedIn {
            subject: claims["sub"].as_str().unwrap_or_default().to_owned(),
            email: claims["email"].as_str().unwrap_or_default().to_owned(),
        })
    }
}
