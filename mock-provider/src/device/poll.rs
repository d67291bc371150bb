use super::DeviceStatus;
use crate::outcome::Outcome;
use crate::state::ProviderState;
use crate::token::{Issued, TokenError, TokenForm, grants_openid};
use std::sync::Arc;
use std::time::Duration;

/// RFC 8628 §3.5: each `slow_down` lengthens the interval by this much.
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// The device-code grant: one poll of an authenticated client.
///
/// In order: the code must be this client's and unexpired, then the user's
/// decision answers (`access_denied`; tokens once, then the code is
/// spent); while undecided, a poll sooner than the interval is `slow_down`
/// (and the interval grows), otherwise `authorization_pending`.
pub(crate) fn token_grant(
    state: &ProviderState,
    client_id: &str,
    form: &TokenForm,
) -> Result<(serde_json::Value, Outcome), TokenError> {
    // `code` is the name before RFC 8628, which Google still takes.
    let device_code = match form.get("device_code").or_else(|| form.get("code")) {
        Some(code) if !code.is_empty() => code,
        _ => form.require("device_code")?,
    };
    let now = state.clock.now();
    let mut model = state.model();
    let pending = model
        .devices
        .get_mut(device_code)
        .filter(|p| p.client_id == client_id)
        .ok_or_else(|| TokenError::invalid_grant("Bad Request"))?;
    if pending.expires_at <= now {
        return Err(TokenError::expired_token());
    }
    let account = match &pending.status {
        DeviceStatus::Denied => return Err(TokenError::access_denied()),
        DeviceStatus::Redeemed => return Err(TokenError::invalid_grant("Bad Request")),
        DeviceStatus::Pending => {
            let too_soon = pending.last_poll.is_some_and(|last| {
                now.duration_since(last).unwrap_or_default() < pending.interval
            });
            pending.last_poll = Some(now);
            if too_soon {
                pending.interval += SLOW_DOWN_STEP;
                return Err(TokenError::slow_down());
            }
            return Err(TokenError::authorization_pending());
        }
        DeviceStatus::Approved { account } => account.clone(),
    };
    pending.status = DeviceStatus::Redeemed;
    let scopes = pending.scopes.clone();
    let (grant_id, refresh_token) = model.new_grant(
        &account,
        client_id,
        scopes.clone(),
        true,
        &state.secrets,
        now,
    );
    let scope: Arc<str> = Arc::from(scopes.join(" "));
    let (access_token, record) =
        model.issue_access_token(&grant_id, scope.clone(), &state.secrets, now);
    let refresh_token_expires_in = model
        .policy
        .testing_mode
        .then(|| model.policy.testing_refresh_ttl.as_secs().saturating_sub(1));
    let id_token_account = grants_openid(&scope)
        .then(|| model.accounts.get(&account).cloned())
        .flatten();
    drop(model);
    Ok(Issued {
        account: &account,
        client_id,
        access_token,
        record,
        refresh_token,
        refresh_token_expires_in,
        with_scope: true,
        id_token_account,
        nonce: None,
    }
    .into_answer(state))
}
