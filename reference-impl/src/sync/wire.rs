//! Gmail's JSON shapes, parsed strictly: int64/uint64 fields must be strings (as
//! Gmail sends them), required fields must be present, and a history record with a
//! field this engine does not know is refused rather than silently skipped.

use serde::Deserialize;
use serde::de::{self, Deserializer};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Profile {
    #[serde(deserialize_with = "string_u64")]
    pub history_id: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageList {
    #[serde(default)]
    pub messages: Vec<MessageRef>,
    pub next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageRef {
    pub id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawMessage {
    pub id: String,
    pub thread_id: String,
    #[serde(default)]
    pub label_ids: Vec<String>,
    #[serde(deserialize_with = "string_u64")]
    pub history_id: u64,
    #[serde(deserialize_with = "string_i64")]
    pub internal_date: i64,
    pub raw: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HistoryPage {
    /// Absent on the empty-page quirk: a `nextPageToken` with no `history`.
    #[serde(default)]
    pub history: Vec<HistoryRecord>,
    #[serde(deserialize_with = "string_u64")]
    pub history_id: u64,
    pub next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct HistoryRecord {
    #[serde(deserialize_with = "string_u64")]
    #[expect(
        dead_code,
        reason = "parsed to validate the record; ordering uses page order"
    )]
    pub id: u64,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "informational: the typed lists below carry the changes"
    )]
    pub messages: Vec<MessageRef>,
    #[serde(default)]
    pub messages_added: Vec<MessageChange>,
    #[serde(default)]
    pub messages_deleted: Vec<MessageChange>,
    #[serde(default)]
    pub labels_added: Vec<MessageChange>,
    #[serde(default)]
    pub labels_removed: Vec<MessageChange>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct MessageChange {
    pub message: MessageRef,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SentMessage {
    pub id: String,
}

/// Google's error envelope; every field optional so any error body parses.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorEnvelope {
    #[serde(default)]
    pub error: ErrorBody,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorBody {
    pub message: Option<String>,
    pub status: Option<String>,
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorItem {
    pub reason: Option<String>,
}

impl ErrorEnvelope {
    pub fn parse(body: &[u8]) -> Self {
        serde_json::from_slice(body).unwrap_or_default()
    }

    pub fn reason(&self) -> Option<&str> {
        self.error
            .errors
            .iter()
            .find_map(|item| item.reason.as_deref())
            .or(self.error.status.as_deref())
    }
}

fn string_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let text = expect_string(deserializer)?;
    text.parse().map_err(|_| {
        de::Error::custom(format!("`{text}` is not a string-encoded unsigned integer"))
    })
}

fn string_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let text = expect_string(deserializer)?;
    text.parse()
        .map_err(|_| de::Error::custom(format!("`{text}` is not a string-encoded integer")))
}

/// Gmail encodes 64-bit integers as JSON strings; a bare number means the response is
/// not what we think it is, so it is refused.
fn expect_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum StringOrOther {
        Text(String),
        Other(serde_json::Value),
    }
    match StringOrOther::deserialize(deserializer)? {
        StringOrOther::Text(text) => Ok(text),
        StringOrOther::Other(value) => Err(de::Error::custom(format!(
            "expected a string-encoded integer, got `{value}`"
        ))),
    }
}
