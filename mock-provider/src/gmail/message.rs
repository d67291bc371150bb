use super::rfc5322;
use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::URL_SAFE as PADDED_URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

/// base64url that accepts input with or without `=` padding, as Gmail does.
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// One message in a mock mailbox.
#[derive(Debug, Clone)]
pub(crate) struct StoredMessage {
    pub id: String,
    pub thread_id: String,
    pub label_ids: Vec<String>,
    pub history_id: u64,
    pub internal_date: SystemTime,
    pub headers: Vec<(String, String)>,
    /// The body: plain text for generated and admin-added mail; for a send,
    /// the text as the client put it on the wire (`wire_body`).
    pub body: String,
    /// True when `body` is already in its transfer encoding (a client's
    /// send), so rendering must not encode it again.
    pub wire_body: bool,
}

/// What a checker sees of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageSummary {
    /// Gmail message id.
    pub id: String,
    /// Gmail thread id.
    pub thread_id: String,
    /// Labels, e.g. `INBOX`, `SENT`, `UNREAD`.
    pub label_ids: Vec<String>,
    /// The history id of the message's last change.
    pub history_id: u64,
    /// `Subject` header.
    pub subject: Option<String>,
    /// `Message-ID` header.
    pub message_id: Option<String>,
}

/// A message to add to a mailbox (from Rust or the admin API).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// `From` header.
    pub from: String,
    /// `To` header (default: the mailbox owner).
    #[serde(default)]
    pub to: Option<String>,
    /// `Subject` header.
    pub subject: String,
    /// Plain-text body.
    #[serde(default)]
    pub body: String,
    /// Labels (default `INBOX`, `UNREAD`).
    #[serde(default)]
    pub labels: Option<Vec<String>>,
    /// `Message-ID` header (default: generated).
    #[serde(default)]
    pub message_id: Option<String>,
}

/// Why a `messages/send` payload was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawError {
    NotBase64,
    NoHeaders,
}

impl StoredMessage {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn summary(&self) -> MessageSummary {
        MessageSummary {
            id: self.id.clone(),
            thread_id: self.thread_id.clone(),
            label_ids: self.label_ids.clone(),
            history_id: self.history_id,
            subject: self.header("Subject").map(str::to_owned),
            message_id: self.header("Message-ID").map(str::to_owned),
        }
    }

    /// The RFC 5322 text of the message: CRLF line endings, folded ASCII
    /// header values, the body 7bit or base64 (with its header).
    pub fn rfc2822(&self) -> String {
        let (body, encoding) = if self.wire_body {
            (rfc5322::crlf(&self.body), None)
        } else {
            rfc5322::body(&self.body)
        };
        let mut text = String::new();
        let mut header = |name: &str, value: &str| {
            text.push_str(&rfc5322::header_line(name, value));
            text.push_str("\r\n");
        };
        for (name, value) in &self.headers {
            header(name, value);
        }
        if let Some(encoding) = encoding {
            header("Content-Transfer-Encoding", encoding);
        }
        text.push_str("\r\n");
        text.push_str(&body);
        text
    }

    fn snippet(&self) -> String {
        self.body.chars().take(100).collect()
    }

    fn internal_date_ms(&self) -> u128 {
        self.internal_date
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis()
    }

    /// `{id, threadId}` as `messages.list` and history return it.
    pub fn reference(&self) -> Value {
        json!({"id": self.id, "threadId": self.thread_id})
    }

    /// The `messages.get` body for `format` (`minimal`, `metadata`, `full`, `raw`).
    /// uint64 fields are strings, as Google encodes them.
    pub fn render(&self, format: &str, metadata_headers: &[String]) -> Value {
        let raw = self.rfc2822();
        let mut value = json!({
            "id": self.id,
            "threadId": self.thread_id,
            "labelIds": self.label_ids,
            "snippet": self.snippet(),
            "historyId": self.history_id.to_string(),
            "internalDate": self.internal_date_ms().to_string(),
            "sizeEstimate": raw.len(),
        });
        let headers = |only: &[String]| -> Vec<Value> {
            self.headers
                .iter()
                .filter(|(n, _)| only.is_empty() || only.iter().any(|o| o.eq_ignore_ascii_case(n)))
                .map(|(n, v)| json!({"name": n, "value": v}))
                .collect()
        };
        match format {
            "minimal" => {}
            // Both `raw` and `body.data` are Discovery `format: byte`: padded
            // base64url (docs/MOCK_FIDELITY.md).
            "raw" => value["raw"] = json!(PADDED_URL_SAFE.encode(raw.as_bytes())),
            "metadata" => {
                value["payload"] = json!({
                    "mimeType": "text/plain",
                    "headers": headers(metadata_headers),
                });
            }
            _ => {
                value["payload"] = json!({
                    "partId": "",
                    "mimeType": "text/plain",
                    "filename": "",
                    "headers": headers(&[]),
                    "body": {
                        "size": self.body.len(),
                        "data": PADDED_URL_SAFE.encode(self.body.as_bytes()),
                    },
                });
            }
        }
        value
    }
}

/// Decodes a `messages/send` `raw` field (base64url, padded or not).
pub(crate) fn decode_raw(raw: &str) -> Result<Vec<u8>, RawError> {
    LENIENT_URL_SAFE
        .decode(raw.trim())
        .map_err(|_| RawError::NotBase64)
}

/// Splits RFC 5322 message bytes into headers (folded lines unfolded) and
/// body (CRLF line endings).
pub(crate) fn parse_message(bytes: &[u8]) -> Result<(Vec<(String, String)>, String), RawError> {
    let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap_or((text.as_str(), ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            // A folded continuation of the previous header (RFC 5322 §2.2.3).
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    if headers.is_empty() {
        return Err(RawError::NoHeaders);
    }
    Ok((headers, body.replace('\n', "\r\n")))
}
