//! `GET /o/oauth2/v2/auth`: the authorization endpoint, with automatic
//! consent.
//!
//! `request.rs` reads and checks the request, `page.rs` is Google's error
//! page (for errors that must not redirect), and `pkce.rs` holds the PKCE
//! rules the token endpoint shares. This file decides consent and redirects
//! with a single-use code.

mod page;
pub(crate) mod pkce;
mod request;

use crate::outcome::Outcome;
use crate::state::{AuthorizationCode, ConsentMode, ProviderState, SecretKind};
use crate::{Fingerprint, IssuedToken};
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use request::AuthorizationRequest;

pub(crate) async fn authorize_endpoint(
    State(state): State<ProviderState>,
    RawQuery(query): RawQuery,
) -> Response {
    let now = state.clock.now();
    let mut model = state.model();
    let request = match AuthorizationRequest::parse(query.as_deref(), &model) {
        Ok(request) => request,
        Err(page) => return page.into_response(),
    };
    let issuer = model
        .policy
        .authorization_response_iss
        .then(|| state.issuer());
    let redirect = |pairs: &[(&str, &str)], outcome: Outcome| {
        let mut location = match url::Url::parse(&request.redirect_uri) {
            Ok(url) => url,
            Err(_) => {
                return page::ErrorPage::invalid_request("Invalid redirect_uri.").into_response();
            }
        };
        {
            let mut query = location.query_pairs_mut();
            for (name, value) in pairs {
                query.append_pair(name, value);
            }
            if let Some(state) = &request.state {
                query.append_pair("state", state);
            }
            if let Some(issuer) = &issuer {
                query.append_pair("iss", issuer);
            }
        }
        let mut response =
            (StatusCode::FOUND, [("location", location.to_string())]).into_response();
        response.extensions_mut().insert(outcome);
        response
    };
    let account = request
        .login_hint
        .as_ref()
        .filter(|hint| model.accounts.contains_key(*hint))
        .or(model.default_account.as_ref())
        .cloned();
    let denied = |error: &'static str| {
        let mut outcome = Outcome::error(error);
        outcome.account = account.clone();
        redirect(&[("error", error)], outcome)
    };
    let Some(account) = account.clone() else {
        return denied("access_denied");
    };
    if model.consent_mode == ConsentMode::Deny {
        return denied("access_denied");
    }
    let key = (account.clone(), request.client_id.clone());
    let consented = model.consents.get(&key).map(|c| c.scopes.clone());
    if request.prompts("none")
        && !consented
            .as_ref()
            .is_some_and(|c| request.scopes.iter().all(|s| c.contains(s)))
    {
        return denied("consent_required");
    }
    let mut scopes = request.scopes.clone();
    if request.include_granted_scopes {
        for scope in consented.iter().flatten() {
            if !scopes.contains(scope) {
                scopes.push(scope.clone());
            }
        }
    }
    let has_live_refresh_token = model.offline_grants.get(&key).is_some_and(|grants| {
        grants
            .iter()
            .any(|id| model.grants.get(id).is_some_and(|g| !g.revoked))
    });
    // Google sends a refresh token on the first offline consent only; later
    // ones need prompt=consent.
    let issue_refresh_token =
        request.offline && (request.prompts("consent") || !has_live_refresh_token);
    sweep_expired_codes(&mut model, now);
    let code = model.mint.authorization_code();
    let expires_at = now + model.policy.code_ttl;
    state.secrets.register(SecretKind::AuthorizationCode, &code);
    model.codes.insert(
        code.clone(),
        AuthorizationCode {
            client_id: request.client_id.clone(),
            redirect_uri: request.redirect_uri.clone(),
            account: account.clone(),
            scopes: scopes.clone(),
            challenge: request.challenge.clone(),
            issue_refresh_token,
            nonce: request.nonce.clone(),
            expires_at,
        },
    );
    drop(model);
    let outcome = Outcome {
        account: Some(account),
        grant_id: None,
        issued: Some(IssuedToken {
            fingerprint: Fingerprint::of(&code),
            issued_at: now,
            expires_at,
        }),
        error: None,
    };
    let scope = scopes.join(" ");
    redirect(
        &[
            ("code", code.as_str()),
            ("scope", scope.as_str()),
            ("authuser", "0"),
            (
                "prompt",
                if issue_refresh_token {
                    "consent"
                } else {
                    "none"
                },
            ),
        ],
        outcome,
    )
}

/// Forgets expired codes once the map has doubled since the last sweep, so
/// a long run's memory stays bounded at amortised O(1) per authorization.
fn sweep_expired_codes(model: &mut crate::state::Model, now: std::time::SystemTime) {
    if model.codes.len() < model.code_sweep_at {
        return;
    }
    model.codes.retain(|_, code| code.expires_at > now);
    model.code_sweep_at = model.codes.len() * 2 + 64;
}
