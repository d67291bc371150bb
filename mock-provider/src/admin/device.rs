//! `/__admin/device_codes`: the simulated user's side of the device flow.
//!
//! `GET /__admin/device_codes` lists them; `POST
//! /__admin/device_codes/{user_code}/approve` (`{"account": …}`, default the
//! first configured account) and `…/deny` record the user's decision.

use super::errors::{AdminError, parse_json};
use crate::{DeviceDecisionError, MockProvider};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

type Admin = State<Arc<MockProvider>>;

/// Body of `…/approve`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Approval {
    #[serde(default)]
    account: Option<String>,
}

pub(crate) async fn list(State(p): Admin) -> Json<Value> {
    let codes: Vec<Value> = p
        .device_authorizations()
        .into_iter()
        .map(|d| {
            let expires = d.expires_at.duration_since(UNIX_EPOCH).unwrap_or_default();
            json!({
                "user_code": d.user_code,
                "client_id": d.client_id,
                "scopes": d.scopes,
                "status": d.status,
                "expires_at_unix_ms": expires.as_millis(),
            })
        })
        .collect();
    Json(json!({"device_codes": codes}))
}

pub(crate) async fn approve(
    State(p): Admin,
    Path(user_code): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, AdminError> {
    let approval: Approval = if body.iter().all(u8::is_ascii_whitespace) {
        Approval::default()
    } else {
        parse_json(&body)?
    };
    // Default: the account that consents when a login hint names no one.
    let account = approval.account.unwrap_or_else(|| {
        let model = p.shared().state.model();
        model.default_account.clone().unwrap_or_default()
    });
    p.approve_device(&user_code, &account).map_err(refused)?;
    Ok(Json(
        json!({"user_code": user_code, "status": "approved", "account": account}),
    ))
}

pub(crate) async fn deny(
    State(p): Admin,
    Path(user_code): Path<String>,
) -> Result<Json<Value>, AdminError> {
    p.deny_device(&user_code).map_err(refused)?;
    Ok(Json(json!({"user_code": user_code, "status": "denied"})))
}

fn refused(error: DeviceDecisionError) -> AdminError {
    match error {
        DeviceDecisionError::UnknownUserCode(id) => AdminError::NotFound {
            what: "device code with user code",
            id,
        },
        DeviceDecisionError::UnknownAccount(id) => AdminError::NotFound {
            what: "account",
            id,
        },
        other @ (DeviceDecisionError::Expired(_) | DeviceDecisionError::AlreadyDecided(_)) => {
            AdminError::InvalidValue {
                field: "user_code",
                message: other.to_string(),
            }
        }
    }
}
