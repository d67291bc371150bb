//! Column encodings shared by the SQL backends.

use std::time::SystemTime;

use super::MailboxError;

/// Labels are stored as a JSON array: label ids may contain any character.
pub(crate) fn encode_labels(labels: &[String]) -> String {
    serde_json::to_string(labels).unwrap_or_else(|_| "[]".to_owned())
}

pub(crate) fn decode_labels(column: &str, id: &str) -> Result<Vec<String>, MailboxError> {
    serde_json::from_str(column).map_err(|error| MailboxError::Corrupt {
        key: id.to_owned(),
        problem: format!("label_ids is not a json array of strings ({error})"),
    })
}

/// History ids are u64 in Gmail's API but stay far below i64::MAX in practice; SQL
/// integers are signed, so saturate rather than wrap.
pub(crate) fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub(crate) fn to_u64(value: i64, key: &str) -> Result<u64, MailboxError> {
    u64::try_from(value).map_err(|_| MailboxError::Corrupt {
        key: key.to_owned(),
        problem: format!("negative value `{value}` where an unsigned id was stored"),
    })
}

pub(crate) fn millis(time: SystemTime) -> i64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
