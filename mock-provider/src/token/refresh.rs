use super::TokenError;
use super::form::TokenForm;
use crate::server::Outcome;
use crate::state::{AccessTokenRecord, ProviderState, SecretKind};
use crate::{Fingerprint, IssuedToken};
use serde_json::json;

/// The `refresh_token` grant: a new access token for a live grant.
pub(crate) fn grant(
    state: &ProviderState,
    client_id: &str,
    form: &TokenForm,
) -> Result<(serde_json::Value, Outcome), TokenError> {
    let refresh_token = form.require("refresh_token")?;
    let now = state.clock.now();
    let mut model = state.model();
    let grant_id = model
        .refresh_tokens
        .get(refresh_token)
        .cloned()
        .ok_or_else(TokenError::revoked_grant)?;
    let grant = model
        .grants
        .get(&grant_id)
        .cloned()
        .ok_or_else(TokenError::revoked_grant)?;
    if grant.revoked {
        return Err(TokenError::revoked_grant());
    }
    if grant.client_id != client_id {
        return Err(TokenError::unauthorized_client());
    }
    let ttl = model.policy.access_token_ttl;
    let access_token = model.mint.access_token();
    let expires_at = now + ttl;
    model.access_tokens.insert(
        access_token.clone(),
        AccessTokenRecord {
            grant_id: grant_id.clone(),
            expires_at,
        },
    );
    drop(model);
    state
        .secrets
        .register(SecretKind::AccessToken, &access_token);
    let body = json!({
        "access_token": access_token,
        "expires_in": ttl.as_secs(),
        "scope": grant.scopes.join(" "),
        "token_type": "Bearer",
    });
    let outcome = Outcome {
        account: Some(grant.account),
        grant_id: Some(grant_id),
        issued: Some(IssuedToken {
            fingerprint: Fingerprint::of(&access_token),
            issued_at: now,
            expires_at,
        }),
        error: None,
    };
    Ok((body, outcome))
}
