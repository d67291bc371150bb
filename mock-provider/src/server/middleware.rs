use super::error_shapes::{Shape, error_response, shape_error};
use super::{dropped::dropped_connection, inspect::inspect};
use crate::fault::{Decision, FaultAction};
use crate::gmail::GmailOutcome;
use crate::limits::is_framing_header;
use crate::outcome::Outcome;
use crate::shared::{BODY_LIMIT, Shared};
use crate::{JournalEntry, RequestDetails};
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, SystemTime};

/// Journals every request and applies the mounted faults (delays stack; the
/// first other action that applies ends the asking). Admin requests are
/// journaled but never faulted.
pub(crate) async fn journal_and_faults(
    State(shared): State<Shared>,
    request: Request,
    next: Next,
) -> Response {
    let _in_flight = shared.in_flight.enter();
    let started_at = shared.state.clock.now();
    let (parts, body) = request.into_parts();
    let shape = Shape::of_path(parts.uri.path());
    // Mail (Gmail's send paths) may be far larger than any OAuth request.
    let mail_limit = shared.gmail.body_limit(parts.uri.path());
    let limit = mail_limit.unwrap_or(BODY_LIMIT);
    let bytes = match read_body(body, limit, shared.timeouts.body_read).await {
        Ok(bytes) => bytes,
        Err(refusal) => {
            let response = match (refusal, mail_limit) {
                (BodyRefusal::TooLarge, Some(limit)) => {
                    crate::gmail::GmailError::payload_too_large(limit).into_response()
                }
                (refusal, _) => refusal.answer(shape),
            };
            let status = response.status().as_u16();
            let entry = blank_entry(&parts, started_at, shared.state.clock.now(), status);
            shared.journal.record(entry);
            let mut response = response;
            stamp_date(&shared, &mut response);
            return response;
        }
    };
    let inspection = inspect(&shared.state, &parts, &bytes);
    let decision = if inspection.facts.endpoint == Some(crate::Endpoint::Admin) {
        Decision::default()
    } else {
        shared.faults.evaluate(&inspection.facts)
    };
    // The facts were only needed to ask the faults: the entry takes them.
    // Allocated once, where the journal will keep it (behind an `Arc`): a
    // journal entry is some 400 bytes, and it is filled in two steps.
    let mut shared_entry = Arc::new(blank_entry(&parts, started_at, started_at, 0));
    let entry = Arc::make_mut(&mut shared_entry);
    entry.client_id = inspection.facts.client_id;
    entry.account = inspection.facts.account;
    entry.grant_id = inspection.grant_id;
    entry.grant_type = inspection.facts.grant_type;
    entry.presented = inspection.presented;
    entry.fault = decision.label();
    entry.request.url_secret = inspection.url_secret;
    if inspection.secret_in_path {
        entry.request.path = super::inspect::PATH_LEFT_OUT.to_owned();
    }
    // Until the request is answered the entry sits in this guard: a client
    // that gives up (times out during a delay, hangs up) drops this future,
    // and the guard then journals the request as answered with nothing.
    let pending = PendingEntry {
        shared: &shared,
        entry: Some(shared_entry),
    };

    // Moves `parts` into the handler's request: the entry above already
    // took what the journal needs, so nothing is cloned on the hot path.
    let mut parts = parts;
    if let Some(form) = inspection.token_form {
        parts.extensions.insert(form);
    }
    let handled = move |bytes| next.run(Request::from_parts(parts, Body::from(bytes)));
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    let mut response = match decision.action {
        None | Some(FaultAction::Delay(_)) => shape_error(shape, handled(bytes).await).await,
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
            let mut response = handled(bytes).await;
            pending.finish(Some(&mut response), 0);
            return dropped_connection();
        }
        Some(FaultAction::Hang) => {
            pending.finish(None, 0);
            // Never answers: the client's timeout (or its runtime) ends this.
            return std::future::pending().await;
        }
    };
    let status = response.status().as_u16();
    pending.finish(Some(&mut response), status);
    stamp_date(&shared, &mut response);
    response
}

/// Sets `Date` from the provider's clock, as Google's servers date their
/// answers by their own clock: a skewed provider says so in every answer,
/// and a harness that moves the provider's clock (the process timeline)
/// moves its `Date` too. Without it hyper adds the machine's time.
fn stamp_date(shared: &Shared, response: &mut Response) {
    let date = httpdate::fmt_http_date(shared.state.clock.now());
    if let Ok(value) = http::HeaderValue::from_str(&date) {
        response.headers_mut().insert(http::header::DATE, value);
    }
}

/// A request's journal entry until it is answered. Dropped still holding
/// it (the client went away and the middleware's future with it), it
/// journals the request with status 0.
struct PendingEntry<'a> {
    shared: &'a Shared,
    entry: Option<Arc<JournalEntry>>,
}

impl PendingEntry<'_> {
    /// Journals the entry with what the handler attached to `response`
    /// (if it ran) and status `status` (0: no answer went out).
    fn finish(mut self, response: Option<&mut Response>, status: u16) {
        if let Some(mut entry) = self.entry.take() {
            Arc::make_mut(&mut entry).status = status;
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
/// ran; taken out, it is for the journal only) and appends it to the
/// journal. `status` stays as set: 0 for dropped connections.
fn finish(shared: &Shared, mut shared_entry: Arc<JournalEntry>, response: Option<&mut Response>) {
    // Unshared until journaled: `make_mut` never clones here.
    let entry = Arc::make_mut(&mut shared_entry);
    entry.finished_at = shared.state.clock.now();
    if let Some(response) = response {
        if let Some(outcome) = response.extensions_mut().remove::<Outcome>() {
            if outcome.account.is_some() {
                entry.account = outcome.account;
            }
            if outcome.grant_id.is_some() {
                entry.grant_id = outcome.grant_id;
            }
            entry.issued = outcome.issued;
            entry.error = outcome.error;
        }
        if let Some(gmail) = response.extensions_mut().remove::<GmailOutcome>() {
            entry.request.message_id = gmail.message_id;
            entry.request.gmail_message_id = gmail.gmail_message_id;
        }
    }
    tracing::debug!(target: "mock_provider::journal", "{entry}");
    shared.journal.record(shared_entry);
}

/// Why a request body was not read.
#[derive(Debug)]
enum BodyRefusal {
    /// Longer than the limit of its path.
    TooLarge,
    /// The client stopped sending before the body was complete.
    CutShort,
    /// Not complete within the body read timeout.
    TooSlow,
}

impl BodyRefusal {
    fn answer(&self, shape: Shape) -> Response {
        let (status, message) = match self {
            Self::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "Request body too large."),
            Self::CutShort => (
                StatusCode::BAD_REQUEST,
                "The request body ended before its declared length.",
            ),
            Self::TooSlow => (
                StatusCode::REQUEST_TIMEOUT,
                "The request body was not received in time.",
            ),
        };
        error_response(shape, status, message)
    }
}

/// Reads the whole body, up to `limit` bytes and within `timeout`. A body
/// already complete (every in-memory request) sets no timer.
async fn read_body(body: Body, limit: usize, timeout: Duration) -> Result<Bytes, BodyRefusal> {
    let mut read = std::pin::pin!(to_bytes(body, limit));
    let result = match futures::poll!(read.as_mut()) {
        Poll::Ready(result) => result,
        Poll::Pending => match tokio::time::timeout(timeout, read).await {
            Ok(result) => result,
            Err(_) => return Err(BodyRefusal::TooSlow),
        },
    };
    result.map_err(|error| {
        let too_large = std::error::Error::source(&error)
            .is_some_and(|cause| cause.is::<http_body_util::LengthLimitError>());
        if too_large {
            BodyRefusal::TooLarge
        } else {
            BodyRefusal::CutShort
        }
    })
}

fn respond(status: StatusCode, headers: Vec<(String, String)>, body: String) -> Response {
    let mut response = (status, body).into_response();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::try_from(name),
            http::HeaderValue::try_from(value),
        ) && !is_framing_header(&name)
        {
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
