//! Why a sign-in failed. Messages never carry a token, a code or a claim value
//! from the token (those are attacker-controlled when the token is forged).

use crate::transport::TransportError;

/// Why an id_token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdTokenRejection {
    /// Not three base64url parts with a JSON header and payload.
    #[error("the id_token is not a well-formed jwt")]
    Malformed,
    /// The header's `alg` is not RS256 (`none`, `HS256`, …).
    #[error("the id_token's `alg` is not RS256")]
    UnsupportedAlgorithm,
    /// The header names no `kid`.
    #[error("the id_token's header names no `kid`")]
    MissingKeyId,
    /// The JWKS has no key with the token's `kid`, even after one re-fetch.
    #[error("the id_token's `kid` is not in the provider's jwks")]
    UnknownKey,
    /// The signature does not verify against the JWKS key.
    #[error("the id_token's signature does not verify")]
    BadSignature,
    /// `iss` is neither form of the provider's issuer.
    #[error("the id_token's `iss` is not the provider")]
    WrongIssuer,
    /// `aud` is not this client.
    #[error("the id_token's `aud` is not this client")]
    WrongAudience,
    /// `azp` is present and not this client, or missing with several audiences.
    #[error("the id_token's `azp` is not this client")]
    WrongAuthorizedParty,
    /// `exp` passed (beyond the leeway), or `exp`/`iat` are missing.
    #[error("the id_token has expired")]
    Expired,
    /// `iat` is in the future beyond the leeway, or the lifetime is implausible.
    #[error("the id_token's `iat` is in the future or its lifetime is implausible")]
    NotYetValid,
    /// `nonce` is not the one this sign-in sent (a replayed token).
    #[error("the id_token's `nonce` is not this sign-in's")]
    NonceMismatch,
    /// `email_verified` is not true.
    #[error("the id_token's email is not verified")]
    EmailNotVerified,
}

/// Why [`GoogleSignIn::complete`](crate::GoogleSignIn::complete) refused a callback.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SignInError {
    /// The callback URL does not parse.
    #[error("the callback url is not a valid url")]
    InvalidCallback,
    /// The callback carries no `state`.
    #[error("the callback carries no `state`; it did not come from a sign-in this service started")]
    MissingState,
    /// The state was never issued, was already used, or was forgotten.
    #[error("the callback's `state` is unknown or already used; start the sign-in again")]
    UnknownState,
    /// The state was issued to another browser session (a login CSRF).
    #[error("the callback's `state` belongs to another browser session")]
    StateForOtherSession,
    /// The sign-in took longer than allowed.
    #[error("the sign-in attempt expired; start it again")]
    Expired,
    /// The callback's `iss` (RFC 9207) is not the provider.
    #[error("the callback's `iss` is not the configured provider")]
    IssuerMismatch,
    /// The provider redirected with an error (`access_denied`, …).
    #[error("the provider refused the sign-in with `{error}`")]
    Denied {
        /// The OAuth error code (sanitized).
        error: String,
    },
    /// The callback has a state but no code.
    #[error("the callback carries no `code`")]
    MissingCode,
    /// The token endpoint refused the code (`invalid_grant`: reused, expired, or PKCE
    /// mismatch).
    #[error("the token endpoint refused the code with `{error}` (http {status})")]
    CodeRejected {
        /// The HTTP status.
        status: u16,
        /// The OAuth error code (sanitized).
        error: String,
    },
    /// The token endpoint answered 5xx/429 or could not be reached; retry.
    #[error("the token endpoint is unavailable (http {status}); retry the sign-in")]
    ProviderUnavailable {
        /// The HTTP status (0: no response).
        status: u16,
    },
    /// No complete answer from the token endpoint.
    #[error("could not reach the token endpoint")]
    Transport {
        /// What went wrong.
        #[source]
        source: TransportError,
    },
    /// The token response had no usable `id_token`.
    #[error("the token response carries no id_token; is `openid` among the scopes?")]
    NoIdToken,
    /// The id_token was not accepted.
    #[error("the id_token was rejected: {0}")]
    IdToken(#[source] IdTokenRejection),
    /// The JWKS could not be fetched and no cached copy has the key.
    #[error("the provider's jwks is unavailable ({reason}); retry the sign-in")]
    JwksUnavailable {
        /// What failed (status or transport), never a body.
        reason: String,
    },
}

impl SignInError {
    /// A short, stable name for the failure (`invalid_state`, `invalid_id_token`,
    /// `expired`, `denied`, `code_rejected`, `unavailable`, `invalid_callback`),
    /// for metrics and the process protocol.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::MissingState | Self::UnknownState | Self::StateForOtherSession => "invalid_state",
            Self::IdToken(_) | Self::NoIdToken => "invalid_id_token",
            Self::Expired => "expired",
            Self::Denied { .. } => "denied",
            Self::CodeRejected { .. } => "code_rejected",
            Self::ProviderUnavailable { .. }
            | Self::Transport { .. }
            | Self::JwksUnavailable { .. } => "unavailable",
            Self::InvalidCallback | Self::MissingCode | Self::IssuerMismatch => "invalid_callback",
        }
    }
}
