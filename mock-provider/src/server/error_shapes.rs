//! The error body each part of the provider answers with when no handler
//! shaped one: axum's plain-text rejections (a `userId` that is not UTF-8,
//! a malformed path parameter), wrong methods, unknown paths, bodies that
//! are too large, cut short or too slow.
//!
//! Everything Google serves as JSON answers JSON: Gmail the Google API
//! error envelope, the OAuth endpoints `{"error", "error_description"}`,
//! the admin API its own `{"error", "field", "message"}`. The consent page
//! and unknown paths answer Google's HTML error page, as Google does.

use crate::Endpoint;
use crate::gmail::api_error_body;
use axum::body::to_bytes;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

/// Which error body a path gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// The Google API envelope (`{"error":{"code","message","errors","status"}}`).
    GoogleApi,
    /// RFC 6749 §5.2 (`{"error","error_description"}`).
    OAuth,
    /// The admin API's `{"error","field","message"}`.
    Admin,
    /// Google's HTML error page (the consent page, unknown paths).
    Html,
}

impl Shape {
    pub fn of(endpoint: Endpoint) -> Self {
        match endpoint {
            e if e.is_gmail() => Self::GoogleApi,
            Endpoint::Admin => Self::Admin,
            Endpoint::Authorize | Endpoint::Unknown => Self::Html,
            _ => Self::OAuth,
        }
    }

    /// The shape for a path (unknown paths under `/gmail/` are Gmail's).
    pub fn of_path(path: &str) -> Self {
        match Endpoint::from_path(path) {
            Endpoint::Unknown
                if path.starts_with("/gmail/") || path.starts_with("/upload/gmail/") =>
            {
                Self::GoogleApi
            }
            endpoint => Self::of(endpoint),
        }
    }
}

/// Google API `status` and `reason` for an HTTP status.
fn google_api_names(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        401 => ("UNAUTHENTICATED", "authError"),
        403 => ("PERMISSION_DENIED", "forbidden"),
        404 => ("NOT_FOUND", "notFound"),
        408 => ("DEADLINE_EXCEEDED", "deadlineExceeded"),
        409 => ("ABORTED", "conflict"),
        413 => ("INVALID_ARGUMENT", "uploadTooLarge"),
        429 => ("RESOURCE_EXHAUSTED", "rateLimitExceeded"),
        500..=599 => ("INTERNAL", "backendError"),
        _ => ("INVALID_ARGUMENT", "badRequest"),
    }
}

/// The OAuth `error` code for an HTTP status the token endpoints answer
/// without a handler.
fn oauth_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 | 405 => "not_found",
        500..=599 => "internal_failure",
        _ => "invalid_request",
    }
}

/// The admin API's `error` code for an HTTP status.
fn admin_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        413 => "body_too_large",
        _ => "invalid_request",
    }
}

/// An error answer of `shape` with `status` and a human `message` (which
/// must not hold a secret: it is sent and may be logged).
pub(crate) fn error_response(shape: Shape, status: StatusCode, message: &str) -> Response {
    let body = match shape {
        Shape::GoogleApi => {
            let (name, reason) = google_api_names(status);
            api_error_body(status.as_u16(), message, "global", reason, name)
        }
        Shape::OAuth => serde_json::json!({
            "error": oauth_code(status),
            "error_description": message,
        })
        .to_string(),
        Shape::Admin => return admin_error(status, None, message),
        Shape::Html => return html_page(status),
    };
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    response
}

/// The admin API's error: `{"error", "field", "message"}`.
fn admin_error(status: StatusCode, field: Option<&str>, message: &str) -> Response {
    let body = serde_json::json!({
        "error": admin_code(status),
        "field": field,
        "message": message,
    });
    (status, axum::Json(body)).into_response()
}

/// Which part of the request an axum rejection is about, from its text.
fn rejected_part(message: &str) -> Option<&'static str> {
    if message.starts_with("Invalid URL") {
        Some("(path)")
    } else if message.contains("query string") {
        Some("(query)")
    } else {
        None
    }
}

/// Google's HTML error page for `status` ("404. That’s an error.").
pub(crate) fn html_page(status: StatusCode) -> Response {
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("Error");
    let detail = match code {
        404 => "The requested URL was not found on this server.",
        _ => "Your client has issued a malformed or illegal request.",
    };
    let page = format!(
        "<!DOCTYPE html>\n<html lang=en><meta charset=utf-8><title>Error {code} ({reason})!!1</title>\
         <p><b>{code}.</b> <ins>That’s an error.</ins><p>{detail} \
         <ins>That’s all we know.</ins></html>\n"
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        page,
    )
        .into_response()
}

/// True when `response` is an error no handler shaped: 4xx or 5xx and not
/// JSON or HTML (axum's rejections are `text/plain`; some have no body).
fn is_unshaped_error(response: &Response) -> bool {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    !(content_type.starts_with("application/json") || content_type.starts_with("text/html"))
}

/// Gives a handler's (or router's) unshaped error answer the JSON body of
/// its path's `shape`, keeping status, headers and extensions (the journal
/// reads the handler's outcome from them).
pub(crate) async fn shape_error(shape: Shape, response: Response) -> Response {
    if shape == Shape::Html || !is_unshaped_error(&response) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // axum's rejection text says what was wrong (e.g. "Invalid URL: Cannot
    // parse `%ff`"); it is the admin API's message. The Google-shaped
    // answers say only what Google would, so no request text is echoed.
    let message = match shape {
        Shape::Admin => {
            let text = to_bytes(body, 4096).await.unwrap_or_default();
            let text = String::from_utf8_lossy(&text);
            if text.trim().is_empty() {
                parts
                    .status
                    .canonical_reason()
                    .unwrap_or("error")
                    .to_owned()
            } else {
                text.trim().to_owned()
            }
        }
        _ => generic_message(parts.status).to_owned(),
    };
    let shaped = match shape {
        Shape::Admin => admin_error(parts.status, rejected_part(&message), &message),
        _ => error_response(shape, parts.status, &message),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    Response::from_parts(parts, shaped.into_body())
}

fn generic_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Invalid request.",
        404 => "Requested entity was not found.",
        405 => "Method not allowed.",
        408 => "The request body was not received in time.",
        413 => "Request body too large.",
        415 => "Unsupported content type.",
        _ => "The request could not be handled.",
    }
}
