//! The RS256 assertion of the jwt-bearer grant (RFC 7523), as Google's token
//! endpoint takes it.

use std::time::{Duration, SystemTime};

use jsonwebtoken::{Algorithm, Header};
use secrecy::SecretString;

use super::key::ServiceAccountGrant;

/// Google accepts assertions that live at most an hour.
pub(crate) const ASSERTION_LIFETIME: Duration = Duration::from_secs(3600);

#[derive(serde::Serialize)]
struct Claims<'a> {
    iss: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<&'a str>,
    scope: String,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

/// Signs an assertion for `grant` asking for `scopes`, addressed to `audience` (the
/// token endpoint), issued at `now` by the local clock. `None` only if signing fails,
/// which a key that parsed cannot do in practice.
pub(crate) fn sign_assertion(
    grant: &ServiceAccountGrant,
    scopes: &[String],
    audience: &str,
    now: SystemTime,
) -> Option<SecretString> {
    let iat = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let claims = Claims {
        iss: grant.key.client_email(),
        sub: grant.subject.as_deref(),
        scope: scopes.join(" "),
        aud: audience,
        iat,
        exp: iat + ASSERTION_LIFETIME.as_secs(),
    };
    let mut header = Header::new(Algorithm::RS256);
    header.kid = grant.key.private_key_id().map(str::to_owned);
    jsonwebtoken::encode(&header, &claims, grant.key.encoding_key())
        .ok()
        .map(SecretString::from)
}
