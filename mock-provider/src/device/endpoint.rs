use super::{DeviceStatus, PendingDevice};
use crate::outcome::Outcome;
use crate::state::scopes::{self, USERINFO_EMAIL, USERINFO_PROFILE};
use crate::state::{ProviderState, SecretKind};
use crate::token::{TokenError, TokenForm, client_credentials_from_header};
use crate::{Fingerprint, IssuedToken};
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;
use serde_json::json;

/// The scopes Google lets the device flow ask for ("Allowed scopes" of its
/// TV and limited-input guide): sign-in, Drive's per-file scopes, YouTube,
/// and the Calendar scopes device-flow clients in the wild ask for.
/// Gmail is not among them (docs/MOCK_FIDELITY.md).
const GOOGLE_DEVICE_SCOPES: &[&str] = &[
    "openid",
    USERINFO_EMAIL,
    USERINFO_PROFILE,
    "https://www.googleapis.com/auth/drive.appdata",
    "https://www.googleapis.com/auth/drive.file",
    "https://www.googleapis.com/auth/youtube",
    "https://www.googleapis.com/auth/youtube.readonly",
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/calendar.readonly",
    "https://www.googleapis.com/auth/calendar.events",
];

/// `POST /device/code`: `client_id` and `scope` in, a device code, a user
/// code and where to enter it out.
pub(crate) async fn device_code_endpoint(
    State(state): State<ProviderState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    crate::token::answer(issue(&state, &headers, &body))
}

fn issue(
    state: &ProviderState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(serde_json::Value, Outcome), TokenError> {
    let form = TokenForm::parse(body);
    form.refuse_duplicates()?;
    // The client names itself; a secret is only checked when it polls.
    let client_id = match client_credentials_from_header(headers) {
        Some(credentials) => Some(credentials?.0),
        None => form.get("client_id").map(str::to_owned),
    }
    .filter(|id| !id.is_empty())
    .ok_or_else(TokenError::missing_client_id)?;
    let now = state.clock.now();
    let mut model = state.model();
    if !model.clients.contains_key(&client_id) {
        return Err(TokenError::client_not_found());
    }
    let requested = scopes::canonical(form.require("scope")?.split_whitespace());
    let allowed = |scope: &String| match &model.policy.device_flow_scopes {
        Some(configured) => configured.contains(scope),
        None => GOOGLE_DEVICE_SCOPES.contains(&scope.as_str()),
    };
    let refused: Vec<&str> = requested
        .iter()
        .filter(|s| !allowed(s))
        .map(String::as_str)
        .collect();
    if !refused.is_empty() {
        return Err(TokenError::invalid_scope_described(format!(
            "Invalid device flow scope: {}",
            refused.join(" ")
        )));
    }
    let device_code = model.mint.device_code();
    let user_code = model.mint.user_code();
    state.secrets.register(SecretKind::DeviceCode, &device_code);
    let ttl = model.policy.device_code_ttl;
    let interval = model.policy.device_poll_interval;
    let expires_at = now + ttl;
    model.devices.insert(
        device_code.clone(),
        PendingDevice {
            client_id,
            scopes: requested,
            user_code: user_code.clone(),
            expires_at,
            interval,
            last_poll: None,
            status: DeviceStatus::Pending,
        },
        now,
    );
    drop(model);
    let outcome = Outcome {
        issued: Some(IssuedToken {
            fingerprint: Fingerprint::of(&device_code),
            issued_at: now,
            expires_at,
        }),
        ..Outcome::default()
    };
    let body = json!({
        "device_code": device_code,
        "user_code": user_code,
        "expires_in": ttl.as_secs(),
        "interval": interval.as_secs(),
        // Google's name for RFC 8628's `verification_uri`.
        "verification_url": format!("{}/device", state.base_uri()),
    });
    Ok((body, outcome))
}

/// `GET /device`, the `verification_url`: where a person would type the
/// user code. The mock's user is the test, so the page says how it decides.
pub(crate) async fn verification_page() -> Response {
    let page = "<!DOCTYPE html>\n<html lang=en><meta charset=utf-8><title>Connect a device</title>\
                <h1>Connect a device</h1><p>This is the mock provider. The user's decision on a \
                code comes from the test: <code>POST /__admin/device_codes/{user_code}/approve</code> \
                (optionally <code>{\"account\": …}</code>) or <code>…/deny</code>.</p></html>\n";
    (
        [(http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}
