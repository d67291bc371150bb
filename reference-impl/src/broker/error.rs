use std::fmt;
use std::time::Duration;

use crate::store::StoreError;
use crate::transport::TransportError;

/// Why [`TokenBroker`](crate::TokenBroker) could not hand out a token.
///
/// Messages name the account and never contain a token, secret or URL. Use
/// [`BrokerError::kind`] to decide what to do.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum BrokerError {
    /// Neither the broker nor its store knows the account.
    #[error("account `{account}` is unknown; add it with `add_account` or seed it in the store")]
    UnknownAccount {
        /// The account asked for.
        account: String,
    },
    /// The provider rejected the refresh token or client; the user must consent again.
    #[error(
        "the provider rejected the grant for account `{account}` with `{error}`; the user must re-authorize"
    )]
    Revoked {
        /// The account.
        account: String,
        /// The OAuth error code (`invalid_grant`, `invalid_client`, `unauthorized_client`).
        error: String,
    },
    /// An earlier refresh was rejected; no request was sent this time.
    #[error("account `{account}` needs re-authorization; no refresh was attempted")]
    NeedsReauth {
        /// The account.
        account: String,
    },
    /// The token endpoint answered 5xx, 429 or `temporarily_unavailable`; retry later.
    #[error(
        "the token endpoint is unavailable for account `{account}` (http {status}); retry later"
    )]
    ProviderUnavailable {
        /// The account.
        account: String,
        /// The HTTP status.
        status: u16,
        /// The OAuth error code, when the body had one.
        error: Option<String>,
        /// The `Retry-After` delay (sent as seconds or as an HTTP date).
        retry_after: Option<Duration>,
    },
    /// No complete response arrived; retry later.
    #[error("could not reach the token endpoint for account `{account}`; retry later")]
    Transport {
        /// The account.
        account: String,
        /// What went wrong.
        #[source]
        source: TransportError,
    },
    /// The token store failed before any token could be obtained.
    #[error("the token store failed for account `{account}`")]
    Storage {
        /// The account.
        account: String,
        /// What went wrong.
        #[source]
        source: StoreError,
    },
    /// A feature was used whose endpoint is not configured.
    #[error("`{setting}` is not configured; set it in `BrokerConfig`")]
    NotConfigured {
        /// The missing `BrokerConfig` field.
        setting: &'static str,
    },
    /// Another process holds the refresh lease and did not store a new token in time.
    #[error(
        "another process is refreshing account `{account}` and has not stored a token yet; retry later"
    )]
    LeaseBusy {
        /// The account.
        account: String,
    },
    /// The refresh task ended without an outcome (it panicked or its runtime shut down).
    #[error("the refresh task for account `{account}` ended without an outcome; retry later")]
    RefreshAborted {
        /// The account.
        account: String,
    },
    /// The provider refused a service-account assertion (`invalid_grant` or
    /// `unauthorized_client`): a key it does not know, an unknown account, a clock
    /// outside its window, or delegation not allowed. Retrying will not help until an
    /// operator fixes the cause.
    #[error(
        "the provider refused the service-account assertion for account `{account}` with `{error}`: {reason}"
    )]
    AssertionRejected {
        /// The account.
        account: String,
        /// The OAuth error code.
        error: String,
        /// What Google's description says was wrong.
        reason: AssertionRejection,
    },
    /// A token was asked for with scopes the account's grant does not include.
    #[error("account `{account}` was not granted scope `{scope}`; ask only for granted scopes")]
    ScopeNotGranted {
        /// The account.
        account: String,
        /// The first scope outside the grant.
        scope: String,
    },
    /// The provider's answer did not follow the protocol.
    #[error("the token endpoint sent an unusable answer for account `{account}`: {problem}")]
    Protocol {
        /// The account.
        account: String,
        /// What was wrong with it.
        problem: ProtocolProblem,
    },
}

/// What was wrong with a token endpoint answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolProblem {
    /// A success response without `expires_in`, so the token's lifetime is unknown.
    MissingExpiresIn,
    /// `expires_in` was zero or too large to represent.
    InvalidExpiresIn,
    /// `expires_in` was not a JSON number (for example the string `"3599"`).
    ExpiresInNotANumber,
    /// `expires_in` was negative, zero, or longer than a day.
    ExpiresInOutOfRange {
        /// The value sent, in seconds (saturated to the `i64` range).
        seconds: i64,
    },
    /// A success response without a string `access_token`.
    MissingAccessToken,
    /// A 200 response carrying an OAuth `error` field.
    ErrorInSuccess {
        /// The error code (replaced by `<nonstandard>` unless it looks like an OAuth code).
        error: String,
    },
    /// A success status with a body that is not JSON.
    NotJson {
        /// The HTTP status.
        status: u16,
    },
    /// A success status with an HTML page (a captive portal, proxy or login page).
    HtmlPage {
        /// The HTTP status.
        status: u16,
    },
    /// The body was not the JSON the status promised (the body is not kept: it may hold a token).
    Unparseable {
        /// The HTTP status.
        status: u16,
    },
    /// An OAuth error that retrying or re-consent will not fix (`invalid_request`,
    /// `invalid_scope`, `unsupported_grant_type`, …): a broker or configuration bug.
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The OAuth error code.
        error: String,
    },
}

impl fmt::Display for ProtocolProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingExpiresIn => f.write_str("success response without `expires_in`"),
            Self::InvalidExpiresIn => f.write_str("`expires_in` is zero or out of range"),
            Self::ExpiresInNotANumber => f.write_str("`expires_in` is not a json number"),
            Self::ExpiresInOutOfRange { seconds } => write!(
                f,
                "`expires_in` of `{seconds}` seconds is outside 1 s to 1 day"
            ),
            Self::MissingAccessToken => f.write_str("success response without `access_token`"),
            Self::ErrorInSuccess { error } => {
                write!(
                    f,
                    "http 200 carrying error `{error}`; not accepted as a token"
                )
            }
            Self::NotJson { status } => write!(f, "http {status} body is not json"),
            Self::HtmlPage { status } => {
                write!(
                    f,
                    "http {status} body is an html page, not a token response"
                )
            }
            Self::Unparseable { status } => {
                write!(f, "http {status} body is not a valid oauth response")
            }
            Self::Rejected { status, error } => write!(
                f,
                "http {status} with error `{error}`; check the client configuration"
            ),
        }
    }
}

/// Why the provider refused a service-account assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AssertionRejection {
    /// `iat`/`exp` outside the provider's window: this host's clock is off.
    ClockSkew {
        /// How far the provider's `Date` header was ahead of the local clock, in
        /// seconds (negative: behind), when it sent one.
        provider_ahead_by: Option<i64>,
    },
    /// The signature did not verify: the key was deleted, disabled or is not this
    /// account's.
    KeyNotRecognized,
    /// The provider knows no service account with this email.
    UnknownServiceAccount,
    /// The assertion's `aud` is not the token endpoint.
    WrongAudience,
    /// Domain-wide delegation (the subject, or these scopes) is not allowed for this
    /// service account.
    DelegationDenied,
    /// Another assertion problem.
    Other,
}

impl fmt::Display for AssertionRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ClockSkew {
                provider_ahead_by: Some(seconds),
            } => write!(
                f,
                "the assertion's `iat`/`exp` are outside the provider's window; this host's clock is about {seconds} s behind the provider's (its `Date` header); fix the clock (ntp) and retry"
            ),
            Self::ClockSkew {
                provider_ahead_by: None,
            } => f.write_str(
                "the assertion's `iat`/`exp` are outside the provider's window; this host's clock is probably skewed; fix the clock (ntp) and retry",
            ),
            Self::KeyNotRecognized => f.write_str(
                "the signature did not verify; the key was deleted or disabled, or belongs to another account",
            ),
            Self::UnknownServiceAccount => {
                f.write_str("the provider knows no service account with this email")
            }
            Self::WrongAudience => f.write_str("the assertion's audience is not the token endpoint"),
            Self::DelegationDenied => f.write_str(
                "domain-wide delegation for this subject or these scopes is not allowed",
            ),
            Self::Other => f.write_str("the assertion was refused"),
        }
    }
}

/// The coarse category of a [`BrokerError`], for deciding what to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The user must re-authorize; retrying will not help.
    Revoked,
    /// Retry later.
    Transient,
    /// The token store failed.
    Storage,
    /// The provider broke the protocol, or the client is misconfigured.
    Protocol,
    /// The account is not known.
    UnknownAccount,
}

impl BrokerError {
    /// The category of this error.
    ///
    /// ```
    /// use reference_impl::{BrokerError, ErrorKind};
    ///
    /// let error = BrokerError::NeedsReauth { account: "alice".into() };
    /// assert_eq!(error.kind(), ErrorKind::Revoked);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::UnknownAccount { .. } => ErrorKind::UnknownAccount,
            Self::Revoked { .. } | Self::NeedsReauth { .. } | Self::AssertionRejected { .. } => {
                ErrorKind::Revoked
            }
            Self::ProviderUnavailable { .. }
            | Self::Transport { .. }
            | Self::LeaseBusy { .. }
            | Self::RefreshAborted { .. } => ErrorKind::Transient,
            Self::Storage { .. } => ErrorKind::Storage,
            Self::Protocol { .. } | Self::NotConfigured { .. } | Self::ScopeNotGranted { .. } => {
                ErrorKind::Protocol
            }
        }
    }
}

impl BrokerError {
    /// How long the provider asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::ProviderUnavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
