use super::account_check::known_account;
use super::errors::{AdminError, parse_json, parse_tagged};
use super::ops::{ClockOp, LifecycleOp};
use crate::FaultSpec;
use crate::gmail::NewMessage;
use crate::{JournalQuery, MockProvider};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

type Admin = State<Arc<MockProvider>>;
type Answer = Result<Json<Value>, AdminError>;

fn unix_ms(time: std::time::SystemTime) -> u128 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
}

pub(crate) async fn accounts(State(p): Admin) -> Json<Value> {
    let accounts: Vec<Value> = p
        .accounts()
        .into_iter()
        .map(|(email, account)| {
            json!({
                "email": email,
                "subject": account.subject,
                "refresh_token": p.refresh_token(&email).map(|t| t.expose_secret().to_owned()),
            })
        })
        .collect();
    Json(json!({
        "client_id": p.client_id(),
        "client_secret": p.client_secret().expose_secret(),
        "accounts": accounts,
    }))
}

pub(crate) async fn list_faults(State(p): Admin) -> Json<Value> {
    Json(json!({"faults": p.shared().faults.list()}))
}

pub(crate) async fn mount_fault(State(p): Admin, body: Bytes) -> Answer {
    // The action is read in a second step (see `parse_tagged`) so errors
    // name the exact field: serde's internally tagged enums lose the path.
    let spec: FaultSpec<Value> = parse_json(&body)?;
    spec.check()?;
    let spec = spec.try_map_action(|action| parse_tagged(action, "kind", "action."))?;
    let fault = spec.into_fault(p.now())?;
    let label = fault.label();
    let id = p.shared().faults.mount_kept(fault);
    Ok(Json(json!({"id": id, "label": label})))
}

pub(crate) async fn remove_fault(State(p): Admin, Path(id): Path<String>) -> Answer {
    let not_found = || AdminError::NotFound {
        what: "fault",
        id: id.clone(),
    };
    let number: u64 = id.parse().map_err(|_| not_found())?;
    if p.shared().faults.remove(number) {
        Ok(Json(json!({"removed": number})))
    } else {
        Err(not_found())
    }
}

pub(crate) async fn lifecycle(State(p): Admin, body: Bytes) -> Answer {
    let value: Value = parse_json(&body)?;
    let op: LifecycleOp = parse_tagged(value, "op", "")?;
    Ok(Json(op.apply(&p)?))
}

pub(crate) async fn clock(State(p): Admin) -> Json<Value> {
    Json(json!({"now_unix_ms": unix_ms(p.now()), "offset_ms": p.clock_offset_ms()}))
}

pub(crate) async fn set_clock(State(p): Admin, body: Bytes) -> Answer {
    let op: ClockOp = parse_json(&body)?;
    op.apply(&p)?;
    Ok(clock(State(p)).await)
}

pub(crate) async fn mailbox(State(p): Admin, Path(account): Path<String>) -> Answer {
    known_account(&p, &account)?;
    Ok(Json(json!({"messages": p.mailbox(&account)})))
}

pub(crate) async fn sent(State(p): Admin, Path(account): Path<String>) -> Answer {
    known_account(&p, &account)?;
    Ok(Json(json!({"message_ids": p.sent_message_ids(&account)})))
}

pub(crate) async fn add_message(
    State(p): Admin,
    Path(account): Path<String>,
    body: Bytes,
) -> Answer {
    known_account(&p, &account)?;
    let message: NewMessage = parse_json(&body)?;
    super::message_check::check(&message)?;
    let summary = p.add_message(&account, message);
    Ok(Json(json!(summary)))
}

pub(crate) async fn delete_message(
    State(p): Admin,
    Path((account, id)): Path<(String, String)>,
) -> Answer {
    known_account(&p, &account)?;
    if p.delete_message(&account, &id) {
        Ok(Json(json!({"deleted": id})))
    } else {
        Err(AdminError::NotFound {
            what: "message",
            id,
        })
    }
}

/// Body of `POST .../messages/{id}/labels`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Relabel {
    #[serde(default)]
    add: Vec<String>,
    #[serde(default)]
    remove: Vec<String>,
}

pub(crate) async fn relabel_message(
    State(p): Admin,
    Path((account, id)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    known_account(&p, &account)?;
    let relabel: Relabel = parse_json(&body)?;
    super::message_check::labels("add", &relabel.add)?;
    super::message_check::labels("remove", &relabel.remove)?;
    let add: Vec<&str> = relabel.add.iter().map(String::as_str).collect();
    let remove: Vec<&str> = relabel.remove.iter().map(String::as_str).collect();
    match p.relabel_message(&account, &id, &add, &remove) {
        Some(labels) => Ok(Json(json!({"id": id, "label_ids": labels}))),
        None => Err(AdminError::NotFound {
            what: "message",
            id,
        }),
    }
}

pub(crate) async fn journal(
    State(p): Admin,
    RawQuery(query): RawQuery,
) -> Result<axum::response::Response, AdminError> {
    let raw = query.unwrap_or_default();
    // `hash=true` asks for the hash of every kept entry: O(journal), so only
    // on request. The other parameters are the indexed filters.
    let (want_hash, filters) = journal_params(&raw)?;
    let query: JournalQuery =
        serde_urlencoded::from_str(&filters).map_err(|e| AdminError::InvalidField {
            field: "(query)".to_owned(),
            message: e.to_string(),
        })?;
    super::listings::journal(p.journal().clone(), query, want_hash).await
}

/// `hash` apart from the journal filters (which go on as a query string).
/// A plain function: the serializer is not `Send`, so it must not live in
/// the handler's future.
fn journal_params(raw: &str) -> Result<(bool, String), AdminError> {
    let mut want_hash = false;
    let mut filters = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
        if name == "hash" {
            want_hash = match value.as_ref() {
                "true" => true,
                "false" => false,
                other => {
                    return Err(AdminError::InvalidField {
                        field: "(query)".to_owned(),
                        message: format!("`hash` is `true` or `false`, not `{other}`"),
                    });
                }
            };
        } else {
            filters.append_pair(&name, &value);
        }
    }
    Ok((want_hash, filters.finish()))
}

pub(crate) async fn secrets(State(p): Admin) -> Result<axum::response::Response, AdminError> {
    super::listings::secrets(p.secrets().clone()).await
}
