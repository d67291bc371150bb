//! Level 4: `sync`, `synced_ids`, `send`, and the optional `gmail_request`.

use serde::{Deserialize, Serialize};

/// The `sync` result. Any JSON object is a success; the reference broker
/// answers the mode and counts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SyncResult {
    /// `full`, `partial` or `resync`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Messages written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upserted: Option<u64>,
    /// Messages removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<u64>,
}

/// The `synced_ids` result: one id per stored row.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SyncedIdsResult {
    /// Gmail message ids (a message stored twice is listed twice).
    pub ids: Vec<String>,
}

/// `send` params: the RFC 822 message as base64url (`raw`, as Gmail's own
/// `messages.send` takes it). `Debug` shows only its length.
#[derive(Clone, Serialize, Deserialize)]
pub struct SendParams {
    /// The sender's account.
    pub account: String,
    /// The message, base64url, padded or not.
    pub raw: String,
}

impl std::fmt::Debug for SendParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendParams")
            .field("account", &self.account)
            .field("raw_len", &self.raw.len())
            .finish()
    }
}

/// The `send` result, once Gmail acknowledged the message.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendResult {
    /// The `Message-ID` the broker stamped (with angle brackets).
    pub message_id: String,
    /// Gmail's id for it (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gmail_id: Option<String>,
}

/// `gmail_request` params: a call relative to `gmail_base`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GmailRequestParams {
    /// The account whose token the call carries.
    pub account: String,
    /// `GET` unless given.
    #[serde(default = "get")]
    pub method: String,
    /// Starts with `/users/`, e.g. `/users/me/profile`.
    pub path: String,
    /// A JSON body (sent as `application/json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

fn get() -> String {
    "GET".to_owned()
}

/// The `gmail_request` result: Gmail's status and JSON body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GmailRequestResult {
    /// Gmail's HTTP status (a 4xx is a result, not an error).
    pub status: u16,
    /// Its JSON body (`null` if none).
    #[serde(default)]
    pub body: serde_json::Value,
    /// True when a 401 made the broker force a refresh and retry.
    #[serde(default)]
    pub refreshed: bool,
}
