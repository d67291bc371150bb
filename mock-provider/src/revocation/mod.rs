//! `POST /revoke`: a client gives back a token.
//!
//! Revoking a refresh token, or an access token of an offline grant, ends
//! the whole grant (Google revokes the refresh token with it). An unknown or
//! already revoked token gets Google's 400 unless the RFC 7009 option is on.

use crate::outcome::Outcome;
use crate::state::{ProviderState, RevocationCause, RevokeUnknown};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;

/// The `token` parameter, from the form body or (as Google also accepts)
/// the query string.
pub(crate) fn presented_token(query: Option<&str>, body: &[u8]) -> Option<String> {
    let from = |pairs: Vec<(String, String)>| {
        pairs
            .into_iter()
            .find(|(name, _)| name == "token")
            .map(|(_, value)| value)
    };
    from(serde_urlencoded::from_bytes(body).unwrap_or_default())
        .or_else(|| from(serde_urlencoded::from_str(query.unwrap_or_default()).unwrap_or_default()))
        .filter(|t| !t.is_empty())
}

fn json(status: StatusCode, body: &'static str, outcome: Outcome) -> Response {
    let mut response = (
        status,
        [("content-type", "application/json; charset=utf-8")],
        body,
    )
        .into_response();
    response.extensions_mut().insert(outcome);
    response
}

pub(crate) async fn revoke_endpoint(
    State(state): State<ProviderState>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let Some(token) = presented_token(query.as_deref(), &body) else {
        return json(
            StatusCode::BAD_REQUEST,
            r#"{"error":"invalid_request","error_description":"Missing required parameter: token"}"#,
            Outcome::error("invalid_request"),
        );
    };
    let now = state.clock.now();
    let mut model = state.model();
    let grant_id = model
        .refresh_tokens
        .get(&token)
        .map(|r| r.grant_id.clone())
        .or_else(|| {
            model
                .live_access_token(&token, now)
                .map(|r| r.grant_id.clone())
        });
    let grant = grant_id
        .as_ref()
        .and_then(|id| model.grants.get(id))
        .cloned();
    let revoked = match &grant {
        Some(grant) if grant.offline => {
            model.revoke_grant(&grant.id, RevocationCause::RevokeEndpoint)
        }
        // An online grant: only this access token dies.
        Some(_) => model.access_tokens.remove(&token).is_some(),
        None => false,
    };
    let unknown_answer = model.policy.revoke_unknown;
    drop(model);
    let mut outcome = Outcome {
        account: grant.as_ref().map(|g| g.account.clone()),
        grant_id,
        ..Outcome::default()
    };
    if revoked || unknown_answer == RevokeUnknown::Rfc7009Ok {
        return json(StatusCode::OK, "{}", outcome);
    }
    outcome.error = Some("invalid_token".to_owned());
    json(
        StatusCode::BAD_REQUEST,
        "{\n  \"error\": \"invalid_token\",\n  \"error_description\": \"Token expired or revoked\"\n}",
        outcome,
    )
}
