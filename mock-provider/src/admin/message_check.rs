//! What a message added over the admin API may hold.
//!
//! `from`, `to`, `subject` and `message_id` become header lines of the
//! message's RFC 5322 text (`format=raw`). A CR or LF in one would end its
//! header and start another (`Bcc:`, `X-Injected:`), so they are refused
//! with a 400 naming the field, as are label ids that are not one line.

use super::errors::AdminError;
use crate::NewMessage;
use crate::limits::single_line;

/// Longest header value accepted (RFC 5322 §2.1.1's 998-character line).
const MAX_HEADER_CHARS: usize = 998;
/// Longest label id.
const MAX_LABEL_CHARS: usize = 225;

pub(crate) fn check(message: &NewMessage) -> Result<(), AdminError> {
    let headers = [
        ("from", Some(message.from.as_str())),
        ("to", message.to.as_deref()),
        ("subject", Some(message.subject.as_str())),
        ("message_id", message.message_id.as_deref()),
    ];
    for (field, value) in headers {
        if let Some(value) = value {
            single_line(field, value, MAX_HEADER_CHARS)?;
        }
    }
    if let Some(labels) = &message.labels {
        self::labels("labels", labels)?;
    }
    Ok(())
}

/// Label ids: one line each, not empty.
pub(crate) fn labels(field: &str, labels: &[String]) -> Result<(), AdminError> {
    for (n, label) in labels.iter().enumerate() {
        let field = format!("{field}[{n}]");
        if label.trim().is_empty() {
            return Err(AdminError::invalid_value(field, "a label id is not empty"));
        }
        single_line(&field, label, MAX_LABEL_CHARS)?;
    }
    Ok(())
}
