use super::error::BrokerError;

/// Why an authorization could not be started or completed.
///
/// Messages never contain the code, state, verifier or any token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// `auth_url` and `redirect_url` are not both set in the config.
    #[error("authorization is not configured; set `BrokerConfig::with_authorization`")]
    NotConfigured,
    /// The callback URL does not parse.
    #[error("the callback url is not a valid url")]
    InvalidCallbackUrl {
        /// The parse failure.
        #[source]
        source: url::ParseError,
    },
    /// The callback has no `state`: it did not come from an authorization we started.
    #[error("the callback has no `state`; rejected as a possible csrf attempt")]
    MissingState,
    /// The `state` is not one we issued, or was already used (replay).
    #[error(
        "the callback's `state` is unknown or was already used; rejected as a possible csrf or replay"
    )]
    UnknownState,
    /// The attempt is older than ten minutes.
    #[error("the authorization for account `{account}` expired; start it again")]
    Expired {
        /// The account.
        account: String,
    },
    /// The callback did not arrive at the configured redirect URL.
    #[error("the callback for account `{account}` did not arrive at the configured redirect url")]
    WrongRedirect {
        /// The account.
        account: String,
    },
    /// The provider redirected with `error=` (the user declined, or a request error).
    #[error("the provider refused the authorization for account `{account}` with `{error}`")]
    Denied {
        /// The account.
        account: String,
        /// The OAuth error code (`access_denied`, …).
        error: String,
    },
    /// The callback carries neither `code` nor `error`.
    #[error("the callback for account `{account}` has no `code`")]
    MissingCode {
        /// The account.
        account: String,
    },
    /// The provider rejected the code: reused, expired, or minted for another attempt
    /// (its PKCE verifier does not match).
    #[error("the provider rejected the authorization code for account `{account}`; start again")]
    CodeRejected {
        /// The account.
        account: String,
        /// The token endpoint's answer.
        #[source]
        source: BrokerError,
    },
    /// The code exchange failed for another reason (network, 5xx, bad answer).
    #[error("exchanging the authorization code for account `{account}` failed")]
    Exchange {
        /// The account.
        account: String,
        /// What went wrong.
        #[source]
        source: BrokerError,
    },
    /// The provider granted no refresh token (`access_type=offline` ignored, or a
    /// repeated consent without `prompt=consent`).
    #[error(
        "the provider returned no refresh token for account `{account}`; consent again with prompt=consent"
    )]
    NoRefreshToken {
        /// The account.
        account: String,
    },
}
