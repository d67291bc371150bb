//! Every form a secret travels in, as the byte runs the scanner looks for.
//!
//! A secret is found when any `width` consecutive bytes of one of these
//! forms appear in a channel, so each form only needs to be the part of the
//! encoding that the secret alone decides:
//!
//! - `raw`;
//! - `url-encoded`, with upper- and lower-case percent escapes (form
//!   encoding, as in query strings and `application/x-www-form-urlencoded`
//!   bodies);
//! - `base64` and `base64url` at each of the three alignments a secret can
//!   have inside a longer encoded value: `base64("id:" + secret)`, the
//!   `Authorization: Basic` header, puts the secret at offset 3 of the
//!   plaintext, and its characters then depend on the bytes before and
//!   after it only at the edges, which are cut off;
//! - `hex`, lower and upper case (how many loggers print bytes, and how
//!   PostgreSQL prints `bytea`).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

/// One encoded form of a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Form {
    /// Its name in reports (`raw`, `base64 at offset 1`, `hex`, ...).
    pub name: &'static str,
    /// The bytes that any text carrying the secret in this form contains.
    pub bytes: Vec<u8>,
}

/// Names of the base64 forms by alphabet and alignment.
const BASE64_NAMES: [[&str; 3]; 2] = [
    ["base64", "base64 at offset 1", "base64 at offset 2"],
    [
        "base64url",
        "base64url at offset 1",
        "base64url at offset 2",
    ],
];

/// Every form of `secret` (forms identical to one already listed are left out).
pub(super) fn forms(secret: &[u8]) -> Vec<Form> {
    let mut found: Vec<Form> = vec![Form {
        name: "raw",
        bytes: secret.to_vec(),
    }];
    let url = url_encoded(secret);
    found.push(Form {
        name: "url-encoded",
        bytes: url.clone().into_bytes(),
    });
    found.push(Form {
        name: "url-encoded",
        bytes: lower_escapes(&url).into_bytes(),
    });
    for (engine, names) in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD]
        .into_iter()
        .zip(BASE64_NAMES)
    {
        for (offset, name) in names.into_iter().enumerate() {
            found.push(Form {
                name,
                bytes: aligned_base64(engine, secret, offset),
            });
        }
    }
    let hex = hex::encode(secret);
    found.push(Form {
        name: "hex",
        bytes: hex.to_ascii_uppercase().into_bytes(),
    });
    found.push(Form {
        name: "hex",
        bytes: hex.into_bytes(),
    });
    let mut unique: Vec<Form> = Vec::with_capacity(found.len());
    for form in found {
        if !unique.iter().any(|u| u.bytes == form.bytes) {
            unique.push(form);
        }
    }
    unique
}

/// `application/x-www-form-urlencoded`, as query strings and token request
/// bodies carry it (upper-case escapes).
fn url_encoded(secret: &[u8]) -> String {
    url::form_urlencoded::byte_serialize(secret).collect()
}

/// The same with lower-case hex digits in every `%XX` escape.
fn lower_escapes(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut digits_left = 0;
    for c in encoded.chars() {
        if c == '%' {
            digits_left = 2;
            out.push(c);
        } else if digits_left > 0 {
            digits_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The base64 characters that `secret` alone decides when it starts
/// `offset` (0, 1 or 2) bytes into a 3-byte group: the characters that mix
/// in bits of the bytes before or after it are cut off.
fn aligned_base64(engine: &impl Engine, secret: &[u8], offset: usize) -> Vec<u8> {
    let mut padded = vec![0u8; offset];
    padded.extend_from_slice(secret);
    let encoded = engine.encode(&padded).into_bytes();
    // Leading characters touched by the `offset` unknown bytes: none, 2 or 3.
    let skip = [0, 2, 3][offset];
    // Trailing: of a last partial group of r bytes, only its first r
    // characters are decided by those bytes alone.
    let full_groups = padded.len() / 3;
    let tail = padded.len() % 3;
    let end = (full_groups * 4 + tail).min(encoded.len());
    encoded
        .get(skip..end)
        .map(<[u8]>::to_vec)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    const SECRET: &[u8] = b"GOCSPX-s3cr3t/with+odd=chars";

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn every_alignment_of_a_basic_header_is_covered() {
        for prefix in ["", "a", "ab", "abc", "client-id:", "1234567890-x.apps:"] {
            let header = STANDARD.encode([prefix.as_bytes(), SECRET, b"!"].concat());
            let hit = forms(SECRET)
                .iter()
                .filter(|f| f.name.starts_with("base64") && !f.name.starts_with("base64url"))
                .any(|f| f.bytes.len() >= 16 && contains(header.as_bytes(), &f.bytes));
            assert!(hit, "prefix {prefix:?}: {header}");
        }
    }

    #[test]
    fn base64url_forms_match_url_safe_encodings() {
        // `?` and `>` encode to `/` and `+` in base64, `_` and `-` in base64url.
        let secret = b"??>>??>>??>>??>>??>>??>>";
        let encoded = URL_SAFE_NO_PAD.encode([b"xy".as_slice(), secret].concat());
        assert!(encoded.contains('_') && encoded.contains('-'), "{encoded}");
        assert!(
            forms(secret).iter().any(
                |f| f.name == "base64url at offset 2" && contains(encoded.as_bytes(), &f.bytes)
            )
        );
    }

    #[test]
    fn hex_forms_cover_both_cases_and_url_escapes_both_cases() {
        let all = forms(SECRET);
        let hex = hex::encode(SECRET);
        assert!(all.iter().any(|f| f.bytes == hex.as_bytes()));
        assert!(all.iter().any(|f| f.bytes == hex.to_uppercase().as_bytes()));
        assert!(all.iter().any(|f| contains(&f.bytes, b"%2F")));
        assert!(all.iter().any(|f| contains(&f.bytes, b"%2f")));
    }

    #[test]
    fn identical_forms_are_listed_once() {
        // Nothing to escape: the url-encoded forms equal the raw one.
        let all = forms(b"abcdefghijklmnopqrstuvwxyz");
        assert_eq!(all.iter().filter(|f| f.name == "url-encoded").count(), 0);
        assert_eq!(all.iter().filter(|f| f.name == "raw").count(), 1);
    }

    #[test]
    fn the_edges_of_an_aligned_form_are_cut_where_neighbours_decide_them() {
        // With offset 1 the first group is (unknown, s0, s1): c2 and c3 are
        // the secret's alone.
        let form = aligned_base64(&STANDARD_NO_PAD, b"abcdef", 1);
        let with_neighbours = STANDARD_NO_PAD.encode(b"Zabcdef__");
        assert!(contains(with_neighbours.as_bytes(), &form), "{form:?}");
    }
}
