use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::state::{Corruption, Endpoint, FakeGmail, Fault, GmailState, header_value};

/// Set on a response the in-memory transport must turn into a connection reset.
pub const DROP_HEADER: &str = "x-fake-drop-connection";

impl FakeGmail {
    /// The axum app: `/gmail/v1/users/{user}/...`.
    pub fn router(&self) -> Router {
        Router::new().fallback(handle).with_state(self.clone())
    }
}

async fn handle(
    State(gmail): State<FakeGmail>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let latency = gmail.lock().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let mut state = gmail.lock();
    state.requests += 1;
    let number = state.requests;
    let due: Vec<_> = {
        let (due, later) = std::mem::take(&mut state.scheduled)
            .into_iter()
            .partition(|(at, _)| *at <= number);
        state.scheduled = later;
        due
    };
    for (_, mutation) in due {
        mutation(&mut state);
    }
    let path = uri.path().strip_prefix("/gmail/v1/users/me/").unwrap_or("");
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let endpoint = match (&method, path) {
        (&Method::GET, "profile") => Endpoint::Profile,
        (&Method::GET, "messages") => Endpoint::List,
        (&Method::GET, "history") => Endpoint::History,
        (&Method::POST, "messages/send") => Endpoint::Send,
        (&Method::GET, p) if p.starts_with("messages/") => Endpoint::Get,
        _ => return error(StatusCode::NOT_FOUND, "notFound", "Not Found", "NOT_FOUND"),
    };
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer ya29."));
    if !bearer || state.revoked {
        return unauthorized();
    }
    let fault = state
        .faults
        .iter()
        .position(|(target, _)| *target == endpoint || *target == Endpoint::Any)
        .and_then(|index| state.faults.remove(index))
        .map(|(_, fault)| fault);
    let mut drop_connection = false;
    match fault {
        Some(Fault::TooManyRequests { retry_after }) => {
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                "rateLimitExceeded",
                "Too many concurrent requests for user.",
                "RESOURCE_EXHAUSTED",
            );
            if let Some(secs) = retry_after {
                response.headers_mut().insert("retry-after", secs.into());
            }
            return response;
        }
        Some(Fault::TooManyRequestsMessageOnly { in_secs }) => {
            let at = humantime::format_rfc3339_millis(
                std::time::UNIX_EPOCH
                    + std::time::Duration::from_secs(
                        u64::try_from(state.now_unix).unwrap_or(0) + in_secs,
                    ),
            );
            let message = format!("User-rate limit exceeded.  Retry after {at}");
            return error(
                StatusCode::TOO_MANY_REQUESTS,
                "rateLimitExceeded",
                &message,
                "RESOURCE_EXHAUSTED",
            );
        }
        Some(Fault::RateLimited403) => {
            let mut response = error(
                StatusCode::FORBIDDEN,
                "userRateLimitExceeded",
                "User Rate Limit Exceeded",
                "PERMISSION_DENIED",
            );
            response.headers_mut().insert("retry-after", 1.into());
            return response;
        }
        Some(Fault::ServerError) => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "backendError",
                "Backend Error",
                "UNAVAILABLE",
            );
        }
        Some(Fault::Unauthorized) => return unauthorized(),
        Some(Fault::Body(Corruption::Text(text))) => {
            return (StatusCode::OK, [("content-type", "application/json")], text).into_response();
        }
        Some(Fault::AckLost) => drop_connection = true,
        None => {}
    }
    let mut response = match endpoint {
        Endpoint::Profile => {
            state.profile_requests += 1;
            ok(json!({
            "emailAddress": "alice@example.com",
            "messagesTotal": state.messages.len(),
            "threadsTotal": state.messages.len(),
            "historyId": state.history_id.to_string(),
            }))
        }
        Endpoint::List => list(&state, &query),
        Endpoint::Get => get(&state, path.trim_start_matches("messages/")),
        Endpoint::History => history(&state, &query),
        Endpoint::Send => send(&mut state, &body),
        Endpoint::Any => unreachable_endpoint(),
    };
    if drop_connection {
        response.headers_mut().insert(DROP_HEADER, 1.into());
    }
    response
}

fn unreachable_endpoint() -> Response {
    error(StatusCode::NOT_FOUND, "notFound", "Not Found", "NOT_FOUND")
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn page_size(query: &[(String, String)], default: usize) -> usize {
    param(query, "maxResults")
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
        .clamp(1, 500)
}

fn list(state: &GmailState, query: &[(String, String)]) -> Response {
    let labels: Vec<&str> = query
        .iter()
        .filter(|(k, _)| k == "labelIds")
        .map(|(_, v)| v.as_str())
        .collect();
    let wanted_id = param(query, "q")
        .and_then(|q| q.strip_prefix("rfc822msgid:"))
        .map(|id| format!("<{}>", id.trim_start_matches('<').trim_end_matches('>')));
    let after = param(query, "pageToken");
    let size = page_size(query, 100);
    // Newest first; the page token is the last id returned, so pages stay stable.
    let matching: Vec<_> = state
        .messages
        .values()
        .rev()
        .filter(|m| after.is_none_or(|token| m.id.as_str() < token))
        .filter(|m| labels.iter().all(|l| m.labels.contains(*l)))
        .filter(|m| {
            wanted_id
                .as_ref()
                .is_none_or(|id| header_value(&m.raw, "message-id").as_ref() == Some(id))
        })
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .take(size)
        .map(|m| json!({"id": m.id, "threadId": m.thread_id}))
        .collect();
    let mut body = json!({ "resultSizeEstimate": matching.len() });
    if !page.is_empty() {
        body["messages"] = Value::Array(page);
    }
    if matching.len() > size {
        body["nextPageToken"] = json!(matching[size - 1].id);
    }
    ok(body)
}

fn get(state: &GmailState, id: &str) -> Response {
    let id = id.split('?').next().unwrap_or(id);
    let Some(m) = state.messages.get(id) else {
        return error(
            StatusCode::NOT_FOUND,
            "notFound",
            "Requested entity was not found.",
            "NOT_FOUND",
        );
    };
    ok(json!({
        "id": m.id,
        "threadId": m.thread_id,
        "labelIds": m.labels,
        "snippet": "Hello",
        "sizeEstimate": m.raw.len(),
        "historyId": m.history_id.to_string(),
        "internalDate": m.internal_date.to_string(),
        "raw": URL_SAFE.encode(&m.raw),
    }))
}

fn history(state: &GmailState, query: &[(String, String)]) -> Response {
    let Some(start) = param(query, "startHistoryId").and_then(|v| v.parse::<u64>().ok()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalidArgument",
            "Invalid startHistoryId",
            "INVALID_ARGUMENT",
        );
    };
    if start < state.history_floor {
        return error(
            StatusCode::NOT_FOUND,
            "notFound",
            "Requested entity was not found.",
            "NOT_FOUND",
        );
    }
    let token = param(query, "pageToken");
    if state.empty_page_quirk && token.is_none() {
        return ok(json!({ "historyId": state.history_id.to_string(), "nextPageToken": "o0" }));
    }
    let offset: usize = token
        .and_then(|t| t.strip_prefix('o'))
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let size = page_size(query, 100);
    let events: Vec<_> = state.history.iter().filter(|e| e.id > start).collect();
    let records: Vec<Value> = events
        .iter()
        .skip(offset)
        .take(size)
        .map(|e| {
            let message = json!({"id": e.message_id, "threadId": e.thread_id});
            let mut change = json!({ "message": message });
            if !e.labels.is_empty() {
                change["labelIds"] = json!(e.labels);
            }
            json!({ "id": e.id.to_string(), "messages": [message], e.kind: [change] })
        })
        .collect();
    let mut body = json!({ "historyId": state.history_id.to_string() });
    if !records.is_empty() {
        body["history"] = Value::Array(records);
    }
    if events.len() > offset + size {
        body["nextPageToken"] = json!(format!("o{}", offset + size));
    }
    ok(body)
}

fn send(state: &mut GmailState, body: &[u8]) -> Response {
    let raw = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("raw").and_then(Value::as_str).map(str::to_owned))
        .and_then(|raw| URL_SAFE_NO_PAD.decode(raw.trim_end_matches('=')).ok());
    let Some(raw) = raw else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalidArgument",
            "Invalid value for ByteString",
            "INVALID_ARGUMENT",
        );
    };
    if header_value(&raw, "to").is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            "invalidArgument",
            "Recipient address required",
            "INVALID_ARGUMENT",
        );
    }
    let id = state.add_message(&["SENT"], Some(raw));
    ok(json!({ "id": id, "threadId": id, "labelIds": ["SENT"] }))
}

fn ok(body: Value) -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/json; charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

fn error(status: StatusCode, reason: &str, message: &str, status_name: &str) -> Response {
    let domain = if reason.contains("RateLimit") || reason == "rateLimitExceeded" {
        "usageLimits"
    } else {
        "global"
    };
    let body = json!({"error": {
        "code": status.as_u16(),
        "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
        "status": status_name,
    }});
    (
        status,
        [("content-type", "application/json; charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

fn unauthorized() -> Response {
    let mut response = error(
        StatusCode::UNAUTHORIZED,
        "authError",
        "Request had invalid authentication credentials.",
        "UNAUTHENTICATED",
    );
    response.headers_mut().insert(
        "www-authenticate",
        "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\""
            .parse()
            .unwrap(),
    );
    response
}
