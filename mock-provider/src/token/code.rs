use super::TokenError;
use super::form::TokenForm;
use super::response::{Issued, grants_openid};
use crate::authorize::pkce;
use crate::outcome::Outcome;
use crate::state::{ProviderState, SecretKind};
use std::sync::Arc;

/// The `authorization_code` grant: exchanges a single-use code, checking
/// the redirect URI and the PKCE verifier against its authorization request.
pub(crate) fn grant(
    state: &ProviderState,
    client_id: &str,
    form: &TokenForm,
) -> Result<(serde_json::Value, Outcome), TokenError> {
    let code = form.require("code")?;
    if !code.starts_with("4/") {
        return Err(TokenError::malformed_code());
    }
    let verifier = form.get("code_verifier").filter(|v| !v.is_empty());
    if let Some(verifier) = verifier {
        state.secrets.register(SecretKind::CodeVerifier, verifier);
    }
    let now = state.clock.now();
    let mut model = state.model();
    let issued = model
        .codes
        .get(code)
        .filter(|c| c.expires_at > now && c.client_id == client_id)
        .cloned()
        .ok_or_else(TokenError::bad_code)?;
    if form.get("redirect_uri") != Some(issued.redirect_uri.as_str()) {
        return Err(TokenError::redirect_uri_mismatch());
    }
    match (&issued.challenge, verifier) {
        (Some(_), None) => return Err(TokenError::missing_code_verifier()),
        (Some(challenge), Some(verifier)) if !pkce::verify(challenge, verifier) => {
            return Err(TokenError::invalid_code_verifier());
        }
        // RFC 9700 §2.1.1: a verifier without a challenge is a downgrade.
        (None, Some(_)) => return Err(TokenError::invalid_code_verifier()),
        _ => {}
    }
    // Single use: a second exchange finds nothing ("Bad Request"). A failed
    // attempt above leaves the code usable.
    model.codes.remove(code);
    let (grant_id, refresh_token) = model.new_grant(
        &issued.account,
        client_id,
        issued.scopes.clone(),
        issued.issue_refresh_token,
        &state.secrets,
        now,
    );
    let scope: Arc<str> = Arc::from(issued.scopes.join(" "));
    let (access_token, record) =
        model.issue_access_token(&grant_id, scope.clone(), &state.secrets, now);
    let refresh_token_expires_in = (model.policy.testing_mode && refresh_token.is_some())
        .then(|| model.policy.testing_refresh_ttl.as_secs().saturating_sub(1));
    let id_token_account = grants_openid(&scope)
        .then(|| model.accounts.get(&issued.account).cloned())
        .flatten();
    drop(model);
    Ok(Issued {
        account: &issued.account,
        client_id,
        access_token,
        record,
        refresh_token,
        refresh_token_expires_in,
        with_scope: true,
        id_token_account,
        nonce: issued.nonce.clone(),
    }
    .into_answer(state))
}
