use super::GmailError;
use super::auth::{Access, Caller, authorize};
use super::mailbox::Mailbox;
use crate::outcome::Outcome;
use crate::shared::Shared;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderMap;
use serde_json::{Value, json};

/// Quota units per call, as Google publishes them.
const UNITS_PROFILE: u32 = 1;
const UNITS_HISTORY: u32 = 2;
const UNITS_LIST: u32 = 5;
const UNITS_GET: u32 = 5;

/// Parsed query parameters; repeated names (labelIds, historyTypes) allowed.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(query: Option<&str>) -> Result<Self, GmailError> {
        serde_urlencoded::from_str(query.unwrap_or(""))
            .map(Self)
            .map_err(|_| GmailError::invalid_argument("Invalid query string."))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(',').map(str::to_owned))
            .filter(|v| !v.is_empty())
            .collect()
    }

    fn max_results(&self, default: usize) -> Result<usize, GmailError> {
        match self.get("maxResults") {
            None => Ok(default),
            Some(text) => text
                .parse::<usize>()
                .map(|n| n.clamp(1, 500))
                .map_err(|_| GmailError::invalid_argument("Invalid value for maxResults.")),
        }
    }

    fn u64(&self, name: &str) -> Result<Option<u64>, GmailError> {
        self.get(name)
            .map(|text| {
                text.parse::<u64>().map_err(|_| {
                    GmailError::invalid_argument(&format!("Invalid value for {name}."))
                })
            })
            .transpose()
    }
}

fn page_token(position: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("p{position}"))
}

fn parse_page_token(token: Option<&str>) -> Result<Option<u64>, GmailError> {
    let Some(token) = token else { return Ok(None) };
    let bad = || GmailError::invalid_argument("Invalid pageToken.");
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    text.strip_prefix('p')
        .and_then(|n| n.parse().ok())
        .map(Some)
        .ok_or_else(bad)
}

pub(super) fn ok(account: &str, body: Value) -> Response {
    let mut response = Json(body).into_response();
    response.extensions_mut().insert(Outcome {
        account: Some(account.to_owned()),
        ..Outcome::default()
    });
    response
}

/// Runs `answer` against the caller's mailbox, or answers 404 if it has none.
pub(super) fn with_mailbox(
    shared: &Shared,
    caller: &Caller,
    answer: impl FnOnce(&mut Mailbox) -> Result<Value, GmailError>,
) -> Result<Response, GmailError> {
    let mut gmail = shared.gmail.lock();
    let mailbox = gmail
        .mailboxes
        .get_mut(&caller.account)
        .ok_or_else(GmailError::not_found)?;
    Ok(ok(&caller.account, answer(mailbox)?))
}

pub(super) fn respond(result: Result<Response, GmailError>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

pub(crate) async fn profile(
    State(shared): State<Shared>,
    Path(user_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    respond((|| {
        let caller = authorize(
            &shared,
            &headers,
            query.as_deref(),
            &user_id,
            Access::Read,
            UNITS_PROFILE,
        )?;
        with_mailbox(&shared, &caller, |mailbox| {
            Ok(json!({
                "emailAddress": mailbox.owner,
                "messagesTotal": mailbox.messages.len(),
                "threadsTotal": mailbox.messages.len(),
                "historyId": mailbox.history_id.to_string(),
            }))
        })
    })())
}

pub(crate) async fn list_messages(
    State(shared): State<Shared>,
    Path(user_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    respond((|| {
        let caller = authorize(
            &shared,
            &headers,
            query.as_deref(),
            &user_id,
            Access::Read,
            UNITS_LIST,
        )?;
        let params = Params::parse(query.as_deref())?;
        let max = params.max_results(100)?;
        let start = parse_page_token(params.get("pageToken"))?.unwrap_or(0) as usize;
        let labels = params.all("labelIds");
        // Of Gmail's search (`q`) only `rfc822msgid:` is modelled: an outbox
        // looks a Message-ID up in Sent with it, and ignoring it would
        // answer "found" for any sent message. Other terms are ignored.
        let message_id = params.get("q").and_then(rfc822msgid);
        with_mailbox(&shared, &caller, |mailbox| {
            let matching: Vec<_> = mailbox
                .newest_first()
                .into_iter()
                .filter(|m| labels.iter().all(|l| m.label_ids.contains(l)))
                .filter(|m| {
                    message_id.is_none_or(|wanted| {
                        m.header("Message-ID").map(bare_message_id) == Some(wanted)
                    })
                })
                .collect();
            let page: Vec<Value> = matching
                .iter()
                .skip(start)
                .take(max)
                .map(|m| m.reference())
                .collect();
            let mut body = json!({"resultSizeEstimate": matching.len()});
            if !page.is_empty() {
                body["messages"] = Value::Array(page);
            }
            if start + max < matching.len() {
                body["nextPageToken"] = json!(page_token((start + max) as u64));
            }
            Ok(body)
        })
    })())
}

pub(crate) async fn get_message(
    State(shared): State<Shared>,
    Path((user_id, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    respond((|| {
        let caller = authorize(
            &shared,
            &headers,
            query.as_deref(),
            &user_id,
            Access::Read,
            UNITS_GET,
        )?;
        let params = Params::parse(query.as_deref())?;
        let format = params.get("format").unwrap_or("full").to_ascii_lowercase();
        if !["minimal", "metadata", "full", "raw"].contains(&format.as_str()) {
            return Err(GmailError::invalid_argument(&format!(
                "Invalid value at 'format' ({format})"
            )));
        }
        let metadata_headers = params.all("metadataHeaders");
        with_mailbox(&shared, &caller, |mailbox| {
            let message = mailbox
                .messages
                .get(&id)
                .ok_or_else(GmailError::not_found)?;
            Ok(message.render(&format, &metadata_headers))
        })
    })())
}

pub(crate) async fn history(
    State(shared): State<Shared>,
    Path(user_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    respond((|| {
        let caller = authorize(
            &shared,
            &headers,
            query.as_deref(),
            &user_id,
            Access::Read,
            UNITS_HISTORY,
        )?;
        let params = Params::parse(query.as_deref())?;
        let start = params
            .u64("startHistoryId")?
            .ok_or_else(|| GmailError::required("startHistoryId"))?;
        let max = params.max_results(100)?;
        let after = parse_page_token(params.get("pageToken"))?;
        let types = params.all("historyTypes");
        let label = params.get("labelId").map(str::to_owned);
        let now = shared.state.clock.now();
        let (retention, quirk) = {
            let gmail = shared.gmail.lock();
            (
                gmail.settings.history_retention,
                gmail.settings.empty_first_history_page,
            )
        };
        with_mailbox(&shared, &caller, |mailbox| {
            mailbox.expire(now, retention);
            if start < mailbox.expired_below {
                return Err(GmailError::not_found());
            }
            let current = mailbox.history_id.to_string();
            if quirk && after.is_none() {
                // The seen quirk: a page with a token and no `history`.
                return Ok(json!({"historyId": current, "nextPageToken": page_token(start)}));
            }
            let from = after.unwrap_or(start);
            let matching: Vec<_> = mailbox
                .history
                .iter()
                .filter(|r| r.id > from)
                .filter(|r| types.is_empty() || types.iter().any(|t| t == r.change.history_type()))
                .filter(|r| {
                    label
                        .as_ref()
                        .is_none_or(|l| r.change.message().label_ids.contains(l))
                })
                .collect();
            let page: Vec<Value> = matching
                .iter()
                .take(max)
                .map(|r| {
                    let message = r.change.message();
                    let mut change = json!({"message": {"id": message.id, "threadId": message.thread_id, "labelIds": message.label_ids}});
                    if !r.change.labels().is_empty() {
                        change["labelIds"] = json!(r.change.labels());
                    }
                    json!({
                        "id": r.id.to_string(),
                        "messages": [message.reference()],
                        r.change.history_key(): [change],
                    })
                })
                .collect();
            let mut body = json!({"historyId": current});
            if matching.len() > max {
                body["nextPageToken"] = json!(page_token(matching[max - 1].id));
            }
            if !page.is_empty() {
                body["history"] = Value::Array(page);
            }
            Ok(body)
        })
    })())
}

/// The Message-ID an `rfc822msgid:` search term asks for, without brackets.
fn rfc822msgid(q: &str) -> Option<&str> {
    q.split_whitespace()
        .find_map(|term| term.strip_prefix("rfc822msgid:"))
        .map(bare_message_id)
}

fn bare_message_id(id: &str) -> &str {
    id.trim().trim_start_matches('<').trim_end_matches('>')
}
