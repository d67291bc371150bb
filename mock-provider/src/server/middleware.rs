use super::{BODY_LIMIT, Shared, inspect::inspect};
use crate::fault::{FaultAction, Verdict};
use crate::{GrantId, IssuedToken, JournalEntry};
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

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

/// Journals every request and applies the first mounted fault that does not
/// pass.
pub(crate) async fn journal_and_faults(
    State(shared): State<Shared>,
    request: Request,
    next: Next,
) -> Response {
    let started_at = shared.state.clock.now();
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        let response = (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
        let entry = blank_entry(&parts, started_at, shared.state.clock.now(), 413);
        shared.journal.record(entry);
        return response;
    };
    let inspection = inspect(&shared.state, &parts, &bytes);
    let verdict = shared.faults.evaluate(&inspection.facts);
    let mut fault_label = None;
    let mut injected = None;
    if let Verdict::Apply { label, action } = verdict {
        fault_label = Some(label);
        match action {
            FaultAction::Delay(delay) => tokio::time::sleep(delay).await,
            FaultAction::Respond {
                status,
                headers,
                body,
            } => injected = Some(respond(status, headers, body)),
        }
    }
    let response = match injected {
        Some(response) => response,
        None => {
            next.run(Request::from_parts(parts.clone(), Body::from(bytes)))
                .await
        }
    };
    let outcome = response
        .extensions()
        .get::<Outcome>()
        .cloned()
        .unwrap_or_default();
    let mut entry = blank_entry(
        &parts,
        started_at,
        shared.state.clock.now(),
        response.status().as_u16(),
    );
    entry.client_id = inspection.facts.client_id;
    entry.account = outcome.account.or(inspection.facts.account);
    entry.grant_id = outcome.grant_id.or(inspection.grant_id);
    entry.grant_type = inspection.facts.grant_type;
    entry.presented = inspection.presented;
    entry.issued = outcome.issued;
    entry.error = outcome.error;
    entry.fault = fault_label;
    shared.journal.record(entry);
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
    started_at: std::time::SystemTime,
    finished_at: std::time::SystemTime,
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
    }
}
