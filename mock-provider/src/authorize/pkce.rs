//! PKCE (RFC 7636): challenge parsing at the authorization endpoint and
//! verifier checks at the token endpoint.

use crate::state::CodeChallenge;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// 43–128 characters from `[A-Za-z0-9-._~]` (RFC 7636 §4.1).
pub(crate) fn is_well_formed(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Reads `code_challenge` and `code_challenge_method`; with no method the
/// default is `plain` (RFC 7636 §4.3, and Google). `Err` names what is wrong.
pub(crate) fn parse(
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<Option<CodeChallenge>, &'static str> {
    let Some(challenge) = challenge else {
        return match method {
            Some(_) => Err("Missing code_challenge."),
            None => Ok(None),
        };
    };
    if !is_well_formed(challenge) {
        return Err("Invalid code_challenge.");
    }
    match method.unwrap_or("plain") {
        "plain" => Ok(Some(CodeChallenge::Plain(challenge.to_owned()))),
        "S256" if challenge.len() == 43 => Ok(Some(CodeChallenge::S256(challenge.to_owned()))),
        "S256" => Err("Invalid code_challenge."),
        _ => Err("Invalid code_challenge_method."),
    }
}

/// True when `verifier` is well formed and answers `challenge`.
pub(crate) fn verify(challenge: &CodeChallenge, verifier: &str) -> bool {
    if !is_well_formed(verifier) {
        return false;
    }
    match challenge {
        CodeChallenge::Plain(expected) => expected == verifier,
        CodeChallenge::S256(expected) => {
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == *expected
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_the_rfc_7636_appendix_b_example() {
        let challenge = parse(
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
            Some("S256"),
        )
        .expect("valid")
        .expect("present");
        assert!(verify(
            &challenge,
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        ));
        assert!(!verify(
            &challenge,
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX"
        ));
    }

    #[test]
    fn a_missing_method_means_plain() {
        let verifier = "a".repeat(43);
        let challenge = parse(Some(&verifier), None)
            .expect("valid")
            .expect("present");
        assert_eq!(challenge, CodeChallenge::Plain(verifier.clone()));
        assert!(verify(&challenge, &verifier));
    }

    #[test]
    fn verifiers_outside_the_alphabet_or_length_are_rejected() {
        assert!(!is_well_formed(&"a".repeat(42)));
        assert!(!is_well_formed(&"a".repeat(129)));
        assert!(!is_well_formed(&format!("{}+", "a".repeat(43))));
        assert!(is_well_formed(&format!("{}-._~", "a".repeat(40))));
    }
}
