use super::{BODY_LIMIT, Shared, dropped::dropped_connection, inspect::inspect};
use crate::fault::{Decision, FaultAction};
use crate::gmail::GmailOutcome;
use crate::{GrantId, IssuedToken, JournalEntry, RequestDetails};
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use std::time::SystemTime;

/// What a handler learned while answering, attached to its response as an
/// extension so the journal can record it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outcome {
    pub account: Option<String>,
    pub grant_id: Option<GrantId>,
    pub issued: Option<IssuedToken>,
    pub error: Option<String>,
}

impl Outcome {
    pub fn error(code: &str) -> Self {
        Self {
            error: Some(code.to_owned()),
            ..Self::default()
        }
    }
}

/// Journals every request and applies the mounted faults (delays stack; the
/// first other action that applies ends the asking). Admin requests are
/// journaled but never faulted.
pub(crate) async fn journal_and_faults(
    State(shared): State<Shared>,
    request: Request,
    next: Next,
) -> Response {
    let started_at = shared.state.clock.now();
    let (parts, body) = request.into_parts();
    // Mail (Gmail's send paths) may be far larger than any OAuth request.
    let mail_limit = shared.gmail.body_limit(parts.uri.path());
    let Ok(bytes) = to_bytes(body, mail_limit.unwrap_or(BODY_LIMIT)).await else {
        let response = match mail_limit {
            Some(limit) => crate::gmail::GmailError::payload_too_large(limit).into_response(),
            None => too_large(),
        };
        let entry = blank_entry(&parts, started_at, shared.state.clock.now(), 413);
        shared.journal.record(entry);
        return response;
    };
    let inspection = inspect(&shared.state, &parts, &bytes);
    let decision = if inspection.facts.endpoint == Some(crate::Endpoint::Admin) {
        Decision::default()
    } else {
        shared.faults.evaluate(&inspection.facts)
    };
    let mut entry = blank_entry(&parts, started_at, started_at, 0);
    entry.client_id = inspection.facts.client_id.clone();
    entry.account = inspection.facts.account.clone();
    entry.grant_id = inspection.grant_id.clone();
    entry.grant_type = inspection.facts.grant_type.clone();
    entry.presented = inspection.presented;
    entry.fault = decision.label();
    entry.request.url_secret = inspection.url_secret;
    // Until the request is answered the entry sits in this guard: a client
    // that gives up (times out during a delay, hangs up) drops this future,
    // and the guard then journals the request as answered with nothing.
    let pending = PendingEntry {
        shared: &shared,
        entry: Some(entry),
    };

    // Moves `parts` into the handler's request: the entry above already
    // took what the journal needs, so nothing is cloned on the hot path.
    let handled = move |bytes| next.run(Request::from_parts(parts, Body::from(bytes)));
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    let response = match decision.action {
        None | Some(FaultAction::Delay(_)) => handled(bytes).await,
        Some(FaultAction::Respond {
            status,
            headers,
            body,
        }) => respond(status, headers, body),
        Some(FaultAction::Reset) => {
            pending.finish(None, 0);
            return dropped_connection();
        }
        Some(FaultAction::AckLost) => {
            // The handler's work is done, but no answer reaches the client.
            let response = handled(bytes).await;
            pending.finish(Some(&response), 0);
            return dropped_connection();
        }
        Some(FaultAction::Hang) => {
            pending.finish(None, 0);
            // Never answers: the client's timeout (or its runtime) ends this.
            return std::future::pending().await;
        }
    };
    pending.finish(Some(&response), response.status().as_u16());
    response
}

/// A request's journal entry until it is answered. Dropped still holding
/// it (the client went away and the middleware's future with it), it
/// journals the request with status 0.
struct PendingEntry<'a> {
    shared: &'a Shared,
    entry: Option<JournalEntry>,
}

impl PendingEntry<'_> {
    /// Journals the entry with what the handler attached to `response`
    /// (if it ran) and status `status` (0: no answer went out).
    fn finish(mut self, response: Option<&Response>, status: u16) {
        if let Some(mut entry) = self.entry.take() {
            entry.status = status;
            finish(self.shared, entry, response);
        }
    }
}

impl Drop for PendingEntry<'_> {
    fn drop(&mut self) {
        if let Some(entry) = self.entry.take() {
            finish(self.shared, entry, None);
        }
    }
}

/// Completes `entry` from what the handler attached to `response` (if it
/// ran) and appends it to the journal. `status` stays as set: 0 for
/// dropped connections.
fn finish(shared: &Shared, mut entry: JournalEntry, response: Option<&Response>) {
    entry.finished_at = shared.state.clock.now();
    if let Some(response) = response {
        if let Some(outcome) = response.extensions().get::<Outcome>() {
            entry.account = outcome.account.clone().or(entry.account);
            entry.grant_id = outcome.grant_id.clone().or(entry.grant_id);
            entry.issued = outcome.issued.clone();
            entry.error = outcome.error.clone();
        }
        if let Some(gmail) = response.extensions().get::<GmailOutcome>() {
            entry.request.message_id = gmail.message_id.clone();
            entry.request.gmail_message_id = gmail.gmail_message_id.clone();
        }
    }
    tracing::debug!(target: "mock_provider::journal", "{entry}");
    shared.journal.record(entry);
}

fn too_large() -> Response {
    let body = serde_json::json!({
        "error": "invalid_request",
        "error_description": "Request body too large.",
    });
    let mut response = (StatusCode::PAYLOAD_TOO_LARGE, body.to_string()).into_response();
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

fn respond(status: StatusCode, headers: Vec<(String, String)>, body: String) -> Response {
    let mut response = (status, body).into_response();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::try_from(name),
            http::HeaderValue::try_from(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

fn blank_entry(
    parts: &http::request::Parts,
    started_at: SystemTime,
    finished_at: SystemTime,
    status: u16,
) -> JournalEntry {
    JournalEntry {
        seq: 0,
        started_at,
        finished_at,
        method: parts.method.to_string(),
        endpoint: crate::Endpoint::from_path(parts.uri.path()),
        client_id: None,
        account: None,
        grant_id: None,
        grant_type: None,
        presented: Vec::new(),
        issued: None,
        status,
        error: None,
        fault: None,
        request: RequestDetails {
            path: parts.uri.path().to_owned(),
            ..RequestDetails::default()
        },
    }
}
