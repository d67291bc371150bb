use super::TokenError;
use super::form::TokenForm;
use super::response::{Issued, grants_openid};
use crate::lifecycle::{RefreshDenial, RefreshStanding};
use crate::outcome::Outcome;
use crate::state::ProviderState;
use std::sync::Arc;

/// The `refresh_token` grant: a new access token for a live grant,
/// optionally down-scoped, rotating the refresh token when configured.
pub(crate) fn grant(
    state: &ProviderState,
    client_id: &str,
    form: &TokenForm,
) -> Result<(serde_json::Value, Outcome), TokenError> {
    let refresh_token = form.require("refresh_token")?;
    let now = state.clock.now();
    let mut model = state.model();
    let owner = model
        .refresh_tokens
        .get(refresh_token)
        .and_then(|r| model.grants.get(&r.grant_id))
        .ok_or_else(TokenError::revoked_grant)?;
    // Checked before the lifecycle rules, so another client can neither use
    // nor burn (by reuse detection) someone else's token.
    if owner.client_id != client_id && !owner.revoked {
        return Err(TokenError::unauthorized_client());
    }
    let (grant_id, standing) = model
        .use_refresh_token(refresh_token, now)
        .map_err(|denial| match denial {
            RefreshDenial::ExpiredOrRevoked => TokenError::revoked_grant(),
            RefreshDenial::ReauthRequired => TokenError::invalid_rapt(),
        })?;
    let grant = model
        .grants
        .get(&grant_id)
        .cloned()
        .ok_or_else(TokenError::revoked_grant)?;
    let scope = narrowed_scope(&grant.scopes, form.get("scope"))?;
    let (access_token, record) =
        model.issue_access_token(&grant_id, scope.clone(), &state.secrets, now);
    let rotated = match (model.policy.rotation, standing) {
        (Some(_), RefreshStanding::Current) => {
            Some(model.rotate_refresh_token(refresh_token, &grant_id, &state.secrets, now))
        }
        // A retry inside the grace window (its answer was lost) gets the
        // family's current refresh token again, as rotating providers (Okta's
        // grace period) do: otherwise a lost acknowledgement would doom the
        // grant to reuse detection whatever the client did.
        (Some(_), RefreshStanding::WithinGrace) => model.current_refresh_token(&grant_id),
        _ => None,
    };
    let refresh_token_expires_in = model.policy.testing_mode.then(|| {
        let age = now.duration_since(grant.created_at).unwrap_or_default();
        model
            .policy
            .testing_refresh_ttl
            .saturating_sub(age)
            .as_secs()
            .saturating_sub(1)
    });
    let id_token_account = grants_openid(&scope)
        .then(|| model.accounts.get(&grant.account).cloned())
        .flatten();
    drop(model);
    Ok(Issued {
        account: &grant.account,
        client_id,
        access_token,
        record,
        refresh_token: rotated,
        refresh_token_expires_in,
        with_scope: true,
        id_token_account,
        nonce: None,
    }
    .into_answer(state))
}

/// The scope of the new access token: the grant's, or the subset the
/// request asked for (`invalid_scope` naming any scope outside the grant).
fn narrowed_scope(granted: &[String], requested: Option<&str>) -> Result<Arc<str>, TokenError> {
    let Some(requested) = requested.filter(|s| !s.trim().is_empty()) else {
        return Ok(Arc::from(granted.join(" ")));
    };
    // `email` and `profile` name the scopes the grant holds under their
    // full names.
    let wanted = crate::state::scopes::canonical(requested.split_whitespace());
    let invalid: Vec<&str> = wanted
        .iter()
        .map(String::as_str)
        .filter(|s| !granted.iter().any(|g| g == s))
        .collect();
    if !invalid.is_empty() {
        return Err(TokenError::invalid_scope(&invalid));
    }
    Ok(Arc::from(wanted.join(" ")))
}
