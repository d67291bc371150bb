//! `urn:ietf:params:oauth:grant-type:jwt-bearer`: a service account trades
//! an RS256 assertion signed with its private key for an access token.

use super::TokenError;
use super::form::TokenForm;
use super::response::{Issued, unix_seconds};
use crate::outcome::Outcome;
use crate::state::{ProviderState, SecretKind};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;
use std::sync::Arc;

/// The grant type value.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Audiences Google accepts besides this provider's own token URL.
const GOOGLE_AUDIENCES: [&str; 2] = [
    "https://oauth2.googleapis.com/token",
    "https://www.googleapis.com/oauth2/v4/token",
];

/// Google's answer to an `iat`/`exp` outside what it accepts.
const BAD_TIMEFRAME: &str = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.";

#[derive(Debug, Deserialize)]
struct AssertionClaims {
    iss: String,
    #[serde(default)]
    aud: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    iat: u64,
    #[serde(default)]
    exp: u64,
}

#[derive(Debug, Deserialize)]
struct IssuerOnly {
    iss: String,
}

/// Reads `iss` before verifying, to pick the key to verify with.
pub(crate) fn unverified_issuer(assertion: &str) -> Option<String> {
    let payload = assertion.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice::<IssuerOnly>(&bytes)
        .ok()
        .map(|c| c.iss)
}

pub(crate) fn grant(
    state: &ProviderState,
    form: &TokenForm,
) -> Result<(serde_json::Value, Outcome), TokenError> {
    let assertion = form.require("assertion")?;
    state.secrets.register(SecretKind::JwtAssertion, assertion);
    let bad_signature = || TokenError::invalid_grant("Invalid JWT Signature.");
    let issuer = unverified_issuer(assertion).ok_or_else(bad_signature)?;
    let key = state
        .service_accounts
        .get(&issuer)
        .ok_or_else(|| TokenError::invalid_grant("Invalid email or User ID"))?;
    // Time claims are checked below against the provider clock, never the
    // system clock jsonwebtoken would read.
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<AssertionClaims>(assertion, &key.key, &validation)
        .map_err(|_| bad_signature())?
        .claims;
    let own_audience = format!("{}/token", state.base_uri());
    if claims.aud != own_audience && !GOOGLE_AUDIENCES.contains(&claims.aud.as_str()) {
        return Err(TokenError::invalid_grant(
            "Invalid JWT: Failed audience check.",
        ));
    }
    let now = state.clock.now();
    let now_s = unix_seconds(now);
    let timely = claims.exp > claims.iat
        && claims.exp - claims.iat <= 3600
        && claims.iat <= now_s + 60
        && claims.exp > now_s;
    if !timely {
        return Err(TokenError::invalid_grant(BAD_TIMEFRAME));
    }
    let scopes: Vec<String> = claims.scope.split_whitespace().map(str::to_owned).collect();
    if scopes.is_empty() {
        return Err(TokenError::invalid_scope_described(
            "Invalid OAuth scope or ID token audience provided.",
        ));
    }
    // Domain-wide delegation acts as `sub`; otherwise as the account itself.
    let account = claims.sub.unwrap_or_else(|| claims.iss.clone());
    let mut model = state.model();
    let (grant_id, _) = model.new_grant(
        &account,
        &claims.iss,
        scopes.clone(),
        false,
        &state.secrets,
        now,
    );
    let scope: Arc<str> = Arc::from(scopes.join(" "));
    let (access_token, record) = model.issue_access_token(&grant_id, scope, &state.secrets, now);
    drop(model);
    Ok(Issued {
        account: &account,
        client_id: &claims.iss,
        access_token,
        record,
        refresh_token: None,
        refresh_token_expires_in: None,
        with_scope: false,
        id_token_account: None,
        nonce: None,
    }
    .into_answer(state))
}
