//! Mail as Gmail stores it: RFC 5322 text with CRLF line endings, an
//! RFC 5322 `Date` (`Wed, 02 Dec 2026 13:23:14 +0000`), MIME headers, and
//! header values that are ASCII on one line (RFC 2047 encoded words for
//! anything else). The JSON payload keeps the decoded values, as Gmail's
//! `payload.headers` does.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::time::SystemTime;

/// RFC 5322 §3.3's longest line, CRLF excluded.
const MAX_LINE: usize = 998;

/// `Date:` as Gmail writes it: `Wed, 02 Dec 2026 13:23:14 +0000`.
pub(crate) fn date(at: SystemTime) -> String {
    // httpdate writes RFC 7231's IMF-fixdate, the same fields with `GMT`
    // as the zone; RFC 5322 prefers the numeric zone.
    let http = httpdate::fmt_http_date(at);
    match http.strip_suffix(" GMT") {
        Some(stamp) => format!("{stamp} +0000"),
        None => http,
    }
}

/// One header line's value, safe to write into raw mail: ASCII stays as
/// it is; CR and LF (which would start a new header) become spaces; a
/// value with other characters becomes one RFC 2047 `B` encoded word.
pub(crate) fn header_value(value: &str) -> String {
    let flat: String = value
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect();
    if flat.is_ascii() {
        flat
    } else {
        format!("=?UTF-8?B?{}?=", STANDARD.encode(flat.as_bytes()))
    }
}

/// The body as it goes on the wire, and its `Content-Transfer-Encoding`
/// when 7bit will not do: short ASCII lines stay as they are (CRLF line
/// endings); anything else is base64 in 76-character lines.
pub(crate) fn body(text: &str) -> (String, Option<&'static str>) {
    let crlf = crlf(text);
    if crlf.is_ascii() && crlf.split("\r\n").all(|line| line.len() <= MAX_LINE) {
        return (crlf, None);
    }
    let encoded = STANDARD.encode(text.as_bytes());
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
        .collect();
    (lines.join("\r\n"), Some("base64"))
}

/// Every line ending as CRLF, whatever the input used.
pub(crate) fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', "\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn the_date_is_rfc_5322_with_a_numeric_zone() {
        let at = UNIX_EPOCH + Duration::from_secs(1_796_217_794);
        assert_eq!(date(at), "Wed, 02 Dec 2026 13:23:14 +0000");
    }

    #[test]
    fn a_header_value_never_carries_a_line_break_or_raw_unicode() {
        assert_eq!(header_value("a\r\nBcc: x"), "a  Bcc: x");
        assert_eq!(header_value("Grüße"), "=?UTF-8?B?R3LDvMOfZQ==?=");
    }

    #[test]
    fn a_long_or_unicode_body_is_base64_and_a_short_ascii_one_is_not() {
        assert_eq!(body("hi\nthere"), ("hi\r\nthere".to_owned(), None));
        let (long, encoding) = body(&"x".repeat(2000));
        assert_eq!(encoding, Some("base64"));
        assert!(long.split("\r\n").all(|line| line.len() <= 76));
        assert_eq!(body("é").1, Some("base64"));
    }
}
