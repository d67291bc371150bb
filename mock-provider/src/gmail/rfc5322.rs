//! Mail as Gmail stores it: RFC 5322 text with CRLF line endings, an
//! RFC 5322 `Date` (`Wed, 02 Dec 2026 13:23:14 +0000`), MIME headers, and
//! header values that are ASCII, folded before 78 characters and never
//! past 998 (RFC 2047 encoded words for anything else, display names only
//! in address headers). The JSON payload keeps the decoded values, as Gmail's
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

/// Where a header line should end (RFC 5322 §2.1.1's "SHOULD"), CRLF excluded.
const FOLD_AT: usize = 78;
/// UTF-8 bytes per RFC 2047 encoded word: 39 bytes are 52 base64
/// characters, a 64-character word, so `Subject: ` and one word fit in 78.
const WORD_BYTES: usize = 39;
/// Headers whose value is a list of addresses: only display names may be
/// encoded words (RFC 2047 §5), never the address.
const ADDRESS_HEADERS: [&str; 6] = ["from", "to", "cc", "bcc", "reply-to", "sender"];

/// One header as it goes into raw mail, without its final CRLF: `Name:
/// value`, folded (CRLF + space) before 78 characters where the value has
/// spaces, never longer than 998 per line. CR and LF in the value (which
/// would start a new header) become spaces; anything not ASCII becomes RFC
/// 2047 `B` encoded words, in address headers the display names only.
pub(crate) fn header_line(name: &str, value: &str) -> String {
    let flat: String = value
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect();
    let atoms = if ADDRESS_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        address_atoms(&flat)
    } else {
        text_atoms(&flat)
    };
    let head = format!("{name}:");
    if let Some(line) = fold(&head, &atoms) {
        return line;
    }
    // An ASCII run too long for one line: encoded words fold anywhere.
    fold(&head, &encoded_words(&flat)).unwrap_or_default()
}

/// Space-separated pieces of a text value (empty pieces keep runs of spaces).
fn text_atoms(value: &str) -> Vec<String> {
    if value.is_ascii() {
        value.split(' ').map(str::to_owned).collect()
    } else {
        encoded_words(value)
    }
}

/// The mailboxes of an address list, each `Display Name <addr>` with the
/// display name encoded when it is not ASCII.
fn address_atoms(value: &str) -> Vec<String> {
    let mailboxes = split_top_level_commas(value);
    let count = mailboxes.len();
    let mut atoms = Vec::new();
    for (n, mailbox) in mailboxes.into_iter().enumerate() {
        let mailbox = mailbox.trim();
        let mut these = match mailbox.rsplit_once('<') {
            _ if mailbox.is_ascii() => text_atoms(mailbox),
            Some((display, address)) if format!("<{address}").is_ascii() => {
                let display = display.trim().trim_matches('"');
                let mut words = encoded_words(display);
                words.push(format!("<{address}"));
                words
            }
            _ => encoded_words(mailbox),
        };
        if n + 1 < count
            && let Some(last) = these.last_mut()
        {
            last.push(',');
        }
        atoms.append(&mut these);
    }
    atoms
}

/// Splits at commas outside double quotes.
fn split_top_level_commas(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (at, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&value[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts
}

/// `value` as RFC 2047 `B` encoded words of at most [`WORD_BYTES`] bytes,
/// split at character boundaries.
fn encoded_words(value: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in value.chars() {
        if chunk.len() + c.len_utf8() > WORD_BYTES {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    if !chunk.is_empty() || words.is_empty() {
        words.push(chunk);
    }
    words
        .into_iter()
        .map(|word| format!("=?UTF-8?B?{}?=", STANDARD.encode(word.as_bytes())))
        .collect()
}

/// `head` and the atoms joined by spaces, a line broken (CRLF before the
/// space) wherever the next atom would pass [`FOLD_AT`]; `None` when an atom
/// alone makes a line longer than [`MAX_LINE`].
fn fold(head: &str, atoms: &[String]) -> Option<String> {
    let mut text = head.to_owned();
    let mut line = head.len();
    for (n, atom) in atoms.iter().enumerate() {
        if n > 0 && !atom.is_empty() && line + 1 + atom.len() > FOLD_AT {
            text.push_str("\r\n");
            line = 0;
        }
        text.push(' ');
        text.push_str(atom);
        line += 1 + atom.len();
        if line > MAX_LINE {
            return None;
        }
    }
    Some(text)
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
        assert_eq!(header_line("Subject", "a\r\nBcc: x"), "Subject: a  Bcc: x");
        assert_eq!(
            header_line("Subject", "Grüße"),
            "Subject: =?UTF-8?B?R3LDvMOfZQ==?="
        );
    }

    #[test]
    fn only_the_display_name_of_an_address_is_encoded() {
        assert_eq!(
            header_line("From", "Zoë <z@x.org>, \"Doe, J\" <j@x.org>"),
            "From: =?UTF-8?B?Wm/Dqw==?= <z@x.org>, \"Doe, J\" <j@x.org>"
        );
    }

    #[test]
    fn long_values_fold_and_no_line_passes_998() {
        let words = "word ".repeat(400);
        let line = header_line("Subject", &words);
        assert!(line.split("\r\n").all(|l| l.len() <= FOLD_AT), "{line}");
        assert_eq!(line.replace("\r\n", ""), format!("Subject: {words}"));
        let unbroken = header_line("Subject", &"x".repeat(998));
        assert!(unbroken.split("\r\n").all(|l| l.len() <= MAX_LINE));
        let japanese = header_line("Subject", &"日本語".repeat(300));
        assert!(japanese.split("\r\n").all(|l| l.len() <= FOLD_AT));
        assert!(japanese.is_ascii());
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
