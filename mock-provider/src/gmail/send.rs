//! `messages.send` on both of Gmail's paths: the JSON one
//! (`POST /gmail/v1/users/{userId}/messages/send`, `{"raw": base64url}`,
//! at most [`GmailSettings::send_body_limit`](super::GmailSettings) of body)
//! and the upload one (`POST /upload/gmail/v1/users/{userId}/messages/send`,
//! `uploadType=media` or `multipart`, at most `upload_limit` of message;
//! `upload.rs` reads it). Either way the message lands in SENT keeping its
//! `Message-ID`, and the journal learns both ids.

use super::auth::{Access, authorize};
use super::handlers::{respond, with_mailbox};
use super::message::{RawError, decode_raw, parse_message};
use super::{GmailError, GmailOutcome, upload};
use crate::shared::Shared;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use http::HeaderMap;
use serde_json::{Value, json};

/// Quota units of a send, as Google publishes them.
const UNITS_SEND: u32 = 100;

const MISSING: &str =
    "'raw' RFC822 payload message string or uploading message via /upload/* URL required";

/// `POST /gmail/v1/users/{userId}/messages/send`.
pub(crate) async fn send(
    State(shared): State<Shared>,
    Path(user_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let limit = shared.gmail.lock().settings.send_body_limit;
    let message = (|| {
        if body.len() > limit {
            return Err(GmailError::payload_too_large(limit));
        }
        let json: Value = serde_json::from_slice(&body)
            .map_err(|_| GmailError::invalid_argument("Invalid JSON payload received."))?;
        let raw = json
            .get("raw")
            .and_then(Value::as_str)
            .ok_or_else(|| GmailError::invalid_argument(MISSING))?;
        decode_raw(raw)
            .map_err(|_| GmailError::invalid_argument("Invalid value for ByteString: raw"))
    })();
    deliver(&shared, &user_id, query.as_deref(), &headers, message)
}

/// `POST /upload/gmail/v1/users/{userId}/messages/send`.
pub(crate) async fn upload_send(
    State(shared): State<Shared>,
    Path(user_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let limit = shared.gmail.lock().settings.upload_limit;
    let message = upload::message(query.as_deref(), &headers, body, limit).await;
    deliver(&shared, &user_id, query.as_deref(), &headers, message)
}

/// Authorizes the caller (before looking at the body, as Google does),
/// then files the message in SENT.
fn deliver(
    shared: &Shared,
    user_id: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    message: Result<Vec<u8>, GmailError>,
) -> Response {
    let mut ids = None;
    let mut response = respond((|| {
        let caller = authorize(shared, headers, query, user_id, Access::Send, UNITS_SEND)?;
        let (mail_headers, mail_body) = parse_message(&message?).map_err(|e| match e {
            RawError::NotBase64 | RawError::NoHeaders => GmailError::invalid_argument(MISSING),
        })?;
        let now = shared.state.clock.now();
        with_mailbox(shared, &caller, |mailbox| {
            let message =
                mailbox.add_with_headers(mail_headers, mail_body, vec!["SENT".to_owned()], now);
            ids = Some((
                message.header("Message-ID").unwrap_or_default().to_owned(),
                message.id.clone(),
            ));
            Ok(
                json!({"id": message.id, "threadId": message.thread_id, "labelIds": message.label_ids}),
            )
        })
    })());
    if let Some((message_id, gmail_id)) = ids {
        response.extensions_mut().insert(GmailOutcome {
            message_id: Some(message_id),
            gmail_message_id: Some(gmail_id),
        });
    }
    response
}
