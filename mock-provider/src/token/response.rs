//! The success body of `POST /token`, shared by every grant.

use crate::outcome::Outcome;
use crate::signing::IdTokenClaims;
use crate::state::{AccessTokenRecord, Account, ProviderState, SecretKind};
use crate::{Fingerprint, IssuedToken};
use serde_json::{Map, Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

/// `exp - iat` of every id_token, as Google's.
const ID_TOKEN_LIFETIME_SECS: u64 = 3600;

/// What a successful grant hands out.
#[derive(Debug)]
pub(crate) struct Issued<'a> {
    pub account: &'a str,
    pub client_id: &'a str,
    pub access_token: String,
    pub record: AccessTokenRecord,
    pub refresh_token: Option<String>,
    /// Seconds a Testing-mode refresh token has left.
    pub refresh_token_expires_in: Option<u64>,
    /// Include `scope` (service-account answers leave it out).
    pub with_scope: bool,
    /// The account when an id_token is due (`openid` was granted).
    pub id_token_account: Option<Account>,
    pub nonce: Option<String>,
}

pub(crate) fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// True when the space-separated `scope` holds `openid`.
pub(crate) fn grants_openid(scope: &str) -> bool {
    scope.split(' ').any(|s| s == "openid")
}

impl Issued<'_> {
    /// The JSON body and the journal outcome.
    pub fn into_answer(self, state: &ProviderState) -> (Value, Outcome) {
        let expires_in = self
            .record
            .expires_at
            .duration_since(self.record.issued_at)
            .unwrap_or_default()
            .as_secs();
        let mut body = Map::new();
        body.insert("access_token".into(), json!(self.access_token));
        body.insert("expires_in".into(), json!(expires_in));
        body.insert("token_type".into(), json!("Bearer"));
        if self.with_scope {
            body.insert("scope".into(), json!(&*self.record.scope));
        }
        if let Some(refresh_token) = &self.refresh_token {
            body.insert("refresh_token".into(), json!(refresh_token));
        }
        if let Some(seconds) = self.refresh_token_expires_in {
            body.insert("refresh_token_expires_in".into(), json!(seconds));
        }
        if let Some(account) = &self.id_token_account {
            let issuer = state.issuer();
            let iat = unix_seconds(self.record.issued_at);
            // Google's id_tokens live an hour, whatever the access token's TTL.
            let claims = IdTokenClaims {
                iss: &issuer,
                azp: self.client_id,
                aud: self.client_id,
                identity: account.claims(self.account, &self.record.scope),
                iat,
                exp: iat + ID_TOKEN_LIFETIME_SECS,
                nonce: self.nonce.as_deref(),
                at_hash: Some(crate::signing::at_hash(&self.access_token)),
            };
            if let Some(id_token) = state.signing.sign(&claims) {
                state.secrets.register(SecretKind::IdToken, &id_token);
                body.insert("id_token".into(), json!(id_token));
            }
        }
        let outcome = Outcome {
            account: Some(self.account.to_owned()),
            grant_id: Some(self.record.grant_id.clone()),
            issued: Some(IssuedToken {
                fingerprint: Fingerprint::of(&self.access_token),
                issued_at: self.record.issued_at,
                expires_at: self.record.expires_at,
            }),
            error: None,
        };
        (Value::Object(body), outcome)
    }
}
