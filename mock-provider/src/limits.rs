//! The documented range of every value a fault description or an admin
//! request carries (docs/ADMIN_API.md), checked before anything is mounted
//! or changed: a value outside it is an [`InvalidValue`] naming the field
//! (a 400 `invalid_value` from the admin API), never a silent clamp, a
//! fault that can never fire, or a response that breaks HTTP framing.

use http::StatusCode;

/// A value outside its documented range: the field and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid value for `{field}`: {message}")]
pub struct InvalidValue {
    /// The field, as a dotted path (`action.status`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// Longest delay a fault may hold a request: one hour (`hang` is forever).
pub(crate) const MAX_DELAY_MS: u64 = 3_600_000;
/// Longest `retry_after_secs`: one day.
pub(crate) const MAX_RETRY_AFTER_SECS: u64 = 86_400;
/// Largest log-normal `sigma` (e^10 between the median and one sigma out).
pub(crate) const MAX_SIGMA: f64 = 10.0;
/// Latest fault window time, unix ms: 9999-12-31T23:59:59.999Z.
pub(crate) const MAX_UNIX_MS: u64 = 253_402_300_799_999;
/// Largest clock offset or jump: 100 years of milliseconds.
pub(crate) const MAX_CLOCK_MS: u64 = 100 * 365 * 24 * 3_600_000;
/// Largest `respond` body (it must fit a request under the 64 KiB body
/// limit with room to spare) and longest label.
pub(crate) const MAX_BODY_BYTES: usize = 32 * 1024;
pub(crate) const MAX_LABEL_CHARS: usize = 200;

fn out_of_range(field: &str, message: String) -> InvalidValue {
    InvalidValue {
        field: field.to_owned(),
        message,
    }
}

/// A final HTTP status in `low..=high` (1xx are not final answers).
pub(crate) fn status(
    field: &str,
    code: u16,
    low: u16,
    high: u16,
) -> Result<StatusCode, InvalidValue> {
    StatusCode::from_u16(code)
        .ok()
        .filter(|_| (low..=high).contains(&code))
        .ok_or_else(|| out_of_range(field, format!("`{code}` is not a status in {low}..={high}")))
}

/// An integer in `low..=high`.
pub(crate) fn within(field: &str, value: u64, low: u64, high: u64) -> Result<u64, InvalidValue> {
    if (low..=high).contains(&value) {
        Ok(value)
    } else {
        Err(out_of_range(
            field,
            format!("`{value}` is not in {low}..={high}"),
        ))
    }
}

/// An integer of at least `low`.
pub(crate) fn at_least(field: &str, value: u64, low: u64) -> Result<u64, InvalidValue> {
    if value >= low {
        Ok(value)
    } else {
        Err(out_of_range(field, format!("`{value}` is below {low}")))
    }
}

/// A signed integer within `±limit`.
pub(crate) fn within_plus_minus(field: &str, value: i64, limit: u64) -> Result<i64, InvalidValue> {
    if value.unsigned_abs() <= limit {
        Ok(value)
    } else {
        Err(out_of_range(
            field,
            format!("`{value}` is not within ±{limit}"),
        ))
    }
}

/// A finite number in `low..=high`.
pub(crate) fn within_f64(
    field: &str,
    value: f64,
    low: f64,
    high: f64,
) -> Result<f64, InvalidValue> {
    if value.is_finite() && (low..=high).contains(&value) {
        Ok(value)
    } else {
        Err(out_of_range(
            field,
            format!("`{value:?}` is not in {low:?}..={high:?}"),
        ))
    }
}

/// Text that goes into a journal line, a log or a mail header: no control
/// characters (a CR or LF would start a new line or header), at most
/// `max_chars`.
pub(crate) fn single_line(field: &str, text: &str, max_chars: usize) -> Result<(), InvalidValue> {
    // Control characters (C0, DEL, C1 with NEL) and the Unicode line and
    // paragraph separators, which Python's and JavaScript's line splitting
    // honour: a value is one line for every reader.
    let breaks = |c: &char| (c.is_control() && *c != '\t') || matches!(c, '\u{2028}' | '\u{2029}');
    if let Some(bad) = text.chars().find(breaks) {
        return Err(out_of_range(
            field,
            format!("contains the control character {bad:?}; header and label values are one line"),
        ));
    }
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(out_of_range(
            field,
            format!("is {chars} characters long; the limit is {max_chars}"),
        ));
    }
    Ok(())
}

/// A `respond` header: a valid name and value, not a framing header.
pub(crate) fn response_header(
    name: &str,
    value: &str,
) -> Result<(http::HeaderName, http::HeaderValue), InvalidValue> {
    let field = format!("action.headers.{name}");
    let parsed = http::HeaderName::try_from(name)
        .map_err(|_| out_of_range(&field, format!("`{name}` is not a header name")))?;
    if is_framing_header(&parsed) {
        return Err(out_of_range(
            &field,
            format!("`{name}` describes the connection or message framing, which the server sets"),
        ));
    }
    if parsed == http::header::DATE {
        return Err(out_of_range(
            &field,
            "`Date` is the server's; it stamps every answer".to_owned(),
        ));
    }
    // Visible ASCII, spaces and tabs: what Google sends. http accepts
    // obs-text (bytes over 0x7f) too, which RFC 9110 deprecates.
    let printable = value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b));
    let value = http::HeaderValue::try_from(value)
        .ok()
        .filter(|_| printable)
        .ok_or_else(|| {
            out_of_range(
                &field,
                "is not a one-line header value of printable ASCII".to_owned(),
            )
        })?;
    Ok((parsed, value))
}

/// Headers that describe the connection or the message framing, which
/// hyper owns: a fault setting them (`Content-Length: 999` on a short body)
/// would break the connection for every client, not shape one answer.
const FRAMING_HEADERS: &[&str] = &[
    "connection",
    "content-length",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// True for a header a fault's answer may not set.
pub(crate) fn is_framing_header(name: &http::HeaderName) -> bool {
    FRAMING_HEADERS.contains(&name.as_str())
}
