//! id_token verification, as Google documents it ("Validate an ID token") plus
//! OpenID Connect Core §3.1.3.7: RS256 only, the signature against the JWKS,
//! `iss` in either of Google's forms, `aud` and `azp`, `exp` and `iat` within a
//! bounded leeway, the sign-in's `nonce`, and `email_verified`.

use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Validation};

use super::error::{IdTokenRejection, SignInError};
use super::jwks::{JwksCache, Lookup};

/// The longest id_token lifetime believed (Google issues one hour).
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// Who signed in, as the verified id_token says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedIdentity {
    /// The stable Google account id (`sub`): key users by this, not by email.
    pub subject: String,
    /// The verified email address.
    pub email: String,
    /// The Workspace domain (`hd`), when the account has one.
    pub hosted_domain: Option<String>,
    /// When the id_token was issued.
    pub issued_at: SystemTime,
    /// When the id_token expires.
    pub expires_at: SystemTime,
}

/// What the id_token must match.
pub(crate) struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    pub now: SystemTime,
    pub leeway: Duration,
}

#[derive(serde::Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Flag {
    Bool(bool),
    /// Google has sent `"true"` as a string.
    Text(String),
}

#[derive(serde::Deserialize)]
struct Claims {
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    aud: Option<Audience>,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<Flag>,
    #[serde(default)]
    hd: Option<String>,
    #[serde(default)]
    iat: Option<u64>,
    #[serde(default)]
    exp: Option<u64>,
    #[serde(default)]
    nonce: Option<String>,
}

/// Verifies `id_token`; the JWKS is consulted only for an RS256 token with a `kid`.
pub(crate) async fn verify_id_token(
    id_token: &str,
    jwks: &JwksCache,
    expected: &Expected<'_>,
) -> Result<VerifiedIdentity, SignInError> {
    let reject = |why| SignInError::IdToken(why);
    let header = peek_header(id_token).ok_or(reject(IdTokenRejection::Malformed))?;
    // Checked before anything else: `none` and HMAC tokens never reach a key.
    if header.alg != "RS256" {
        return Err(reject(IdTokenRejection::UnsupportedAlgorithm));
    }
    let kid = header.kid.ok_or(reject(IdTokenRejection::MissingKeyId))?;
    let key = match jwks.key(&kid).await? {
        Lookup::Found(key) => key,
        Lookup::Unknown => return Err(reject(IdTokenRejection::UnknownKey)),
    };
    // jsonwebtoken checks the signature (RS256 only); the claims are checked below
    // against the injected clock and with precise reasons.
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Claims>(id_token, &key, &validation)
        .map_err(|error| match error.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                reject(IdTokenRejection::BadSignature)
            }
            jsonwebtoken::errors::ErrorKind::InvalidAlgorithm => {
                reject(IdTokenRejection::UnsupportedAlgorithm)
            }
            _ => reject(IdTokenRejection::Malformed),
        })?
        .claims;
    check_claims(claims, expected).map_err(reject)
}

fn peek_header(token: &str) -> Option<Header> {
    let mut parts = token.split('.');
    let header = parts.next()?;
    let (_payload, _signature) = (parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()
}

/// Google's id_tokens carry `https://accounts.google.com` or
/// `accounts.google.com`, so either form of the configured issuer is its
/// issuer, whichever form was configured; nothing else is.
fn issuer_matches(iss: &str, configured: &str) -> bool {
    fn bare(issuer: &str) -> &str {
        issuer.strip_prefix("https://").unwrap_or(issuer)
    }
    bare(iss) == bare(configured)
}

fn check_claims(
    claims: Claims,
    expected: &Expected<'_>,
) -> Result<VerifiedIdentity, IdTokenRejection> {
    if !issuer_matches(claims.iss.as_deref().unwrap_or_default(), expected.issuer) {
        return Err(IdTokenRejection::WrongIssuer);
    }
    let audiences = match claims.aud {
        Some(Audience::One(one)) => vec![one],
        Some(Audience::Many(many)) => many,
        None => Vec::new(),
    };
    if !audiences.iter().any(|aud| aud == expected.client_id) {
        return Err(IdTokenRejection::WrongAudience);
    }
    match claims.azp.as_deref() {
        Some(azp) if azp != expected.client_id => {
            return Err(IdTokenRejection::WrongAuthorizedParty);
        }
        None if audiences.len() > 1 => return Err(IdTokenRejection::WrongAuthorizedParty),
        _ => {}
    }
    let at = |seconds: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(seconds);
    let (Some(iat), Some(exp)) = (claims.iat.map(at), claims.exp.map(at)) else {
        return Err(IdTokenRejection::Expired);
    };
    let leeway = expected.leeway;
    if exp
        .checked_add(leeway)
        .is_none_or(|limit| expected.now >= limit)
    {
        return Err(IdTokenRejection::Expired);
    }
    let issued_in_future = expected
        .now
        .checked_add(leeway)
        .is_none_or(|limit| iat > limit);
    let implausible = exp
        .duration_since(iat)
        .map_or(true, |lifetime| lifetime > MAX_LIFETIME);
    if issued_in_future || implausible {
        return Err(IdTokenRejection::NotYetValid);
    }
    if claims.nonce.as_deref() != Some(expected.nonce) {
        return Err(IdTokenRejection::NonceMismatch);
    }
    let verified = matches!(claims.email_verified, Some(Flag::Bool(true)))
        || matches!(&claims.email_verified, Some(Flag::Text(text)) if text == "true");
    let email = claims.email.filter(|email| !email.is_empty());
    let (Some(email), true) = (email, verified) else {
        return Err(IdTokenRejection::EmailNotVerified);
    };
    let subject = claims
        .sub
        .filter(|sub| !sub.is_empty())
        .ok_or(IdTokenRejection::Malformed)?;
    Ok(VerifiedIdentity {
        subject,
        email,
        hosted_domain: claims.hd,
        issued_at: iat,
        expires_at: exp,
    })
}

#[cfg(test)]
mod tests {
    use super::issuer_matches;

    #[test]
    fn either_form_of_the_configured_issuer_matches_whichever_was_configured() {
        for configured in ["https://accounts.google.com", "accounts.google.com"] {
            assert!(issuer_matches("https://accounts.google.com", configured));
            assert!(issuer_matches("accounts.google.com", configured));
            assert!(!issuer_matches("http://accounts.google.com", configured));
            assert!(!issuer_matches(
                "https://accounts.google.com.evil.example",
                configured
            ));
            assert!(!issuer_matches("", configured));
        }
        assert!(issuer_matches(
            "http://127.0.0.1:4000",
            "http://127.0.0.1:4000"
        ));
        assert!(!issuer_matches("127.0.0.1:4000", "http://127.0.0.1:4000"));
    }
}
