//! `GET /tokeninfo?access_token=…`: what Google knows about an access token.
//!
//! `exp` and `expires_in` are strings, as Google sends them.

use crate::outcome::Outcome;
use crate::state::ProviderState;
use crate::token::unix_seconds;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::json;

/// The `access_token` query parameter, if any.
pub(crate) fn presented_token(query: Option<&str>) -> Option<String> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or_default()).unwrap_or_default();
    pairs
        .into_iter()
        .find(|(name, _)| name == "access_token")
        .map(|(_, value)| value)
}

pub(crate) async fn tokeninfo_endpoint(
    State(state): State<ProviderState>,
    RawQuery(query): RawQuery,
) -> Response {
    let now = state.clock.now();
    let token = presented_token(query.as_deref()).unwrap_or_default();
    let model = state.model();
    let found = model.live_access_token(&token, now).and_then(|record| {
        let grant = model.grants.get(&record.grant_id)?;
        Some((record.clone(), grant.clone()))
    });
    drop(model);
    let headers = [("content-type", "application/json; charset=UTF-8")];
    let Some((record, grant)) = found else {
        let mut response = (
            StatusCode::BAD_REQUEST,
            headers,
            "{\n  \"error\": \"invalid_token\",\n  \"error_description\": \"Invalid Value\"\n}",
        )
            .into_response();
        response
            .extensions_mut()
            .insert(Outcome::error("invalid_token"));
        return response;
    };
    let expires_in = record
        .expires_at
        .duration_since(now)
        .unwrap_or_default()
        .as_secs();
    let body = json!({
        "azp": grant.client_id,
        "aud": grant.client_id,
        "scope": &*record.scope,
        "exp": unix_seconds(record.expires_at).to_string(),
        "expires_in": expires_in.to_string(),
        "access_type": if grant.offline { "offline" } else { "online" },
    });
    let mut response = (StatusCode::OK, headers, body.to_string()).into_response();
    response.extensions_mut().insert(Outcome {
        account: Some(grant.account),
        grant_id: Some(record.grant_id),
        ..Outcome::default()
    });
    response
}
