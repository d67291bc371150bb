use super::NO_STORE;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Serialize;

/// A token-endpoint error exactly as Google answers it: a status and a
/// `{"error", "error_description"}` JSON body (RFC 6749 §5.2).
///
/// ```
/// use mock_provider::TokenError;
/// let e = TokenError::revoked_grant();
/// assert_eq!(e.status().as_u16(), 400);
/// assert_eq!(e.code(), "invalid_grant");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenError {
    #[serde(skip)]
    status: StatusCode,
    error: &'static str,
    error_description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_uri: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_subtype: Option<&'static str>,
}

impl TokenError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            error_description: description.into(),
            error_uri: None,
            error_subtype: None,
        }
    }

    /// 400 `invalid_grant`: the refresh token is expired, revoked or unknown.
    pub fn revoked_grant() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Token has been expired or revoked.",
        )
    }

    /// 401 `invalid_client`: no such client.
    pub fn client_not_found() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The OAuth client was not found.",
        )
    }

    /// 401 `invalid_client`: wrong secret.
    pub fn wrong_client_secret() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", "Unauthorized")
    }

    /// 401 `unauthorized_client`: a refresh token used by another client.
    pub fn unauthorized_client() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized_client",
            "Unauthorized",
        )
    }

    /// 400 `invalid_request`: no client id anywhere in the request.
    pub fn missing_client_id() -> Self {
        Self::invalid_request("Could not determine client ID from request.")
    }

    /// 400 `invalid_request` with Google's description.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// 400 `unsupported_grant_type`.
    pub fn unsupported_grant_type(value: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("Invalid grant_type: {value}"),
        )
    }

    /// 400 `invalid_grant` "Bad Request": the code was reused, expired,
    /// unknown, or issued to another client.
    pub fn bad_code() -> Self {
        Self::invalid_grant("Bad Request")
    }

    /// 400 `invalid_grant`: the code is not shaped like a Google code.
    pub fn malformed_code() -> Self {
        Self::invalid_grant("Malformed auth code.")
    }

    /// 400 `invalid_grant`: the PKCE verifier does not match the challenge.
    pub fn invalid_code_verifier() -> Self {
        Self::invalid_grant("Invalid code verifier.")
    }

    /// 400 `invalid_grant`: a challenge was sent but no verifier.
    pub fn missing_code_verifier() -> Self {
        Self::invalid_grant("Missing code verifier.")
    }

    /// 400 `redirect_uri_mismatch`: the token request's `redirect_uri`
    /// differs from the authorization request's.
    pub fn redirect_uri_mismatch() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "redirect_uri_mismatch",
            "Bad Request",
        )
    }

    /// 400 `invalid_scope`: a refresh asked for scopes outside the grant.
    /// The description is Java's `Map.toString`, as Google prints it.
    pub fn invalid_scope(invalid: &[&str]) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            format!(
                "Some requested scopes were invalid. {{invalid=[{}]}}",
                invalid.join(", ")
            ),
        )
    }

    /// 400 `invalid_grant` with `error_subtype` `invalid_rapt`: session
    /// control wants the user to re-authenticate.
    pub fn invalid_rapt() -> Self {
        let mut error = Self::invalid_grant("reauth related error (invalid_rapt)");
        error.error_uri = Some("https://support.google.com/a/answer/9368756");
        error.error_subtype = Some("invalid_rapt");
        error
    }

    /// 400 `invalid_grant` with a description of its own.
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }

    /// 400 `invalid_scope` with a description of its own.
    pub fn invalid_scope_described(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_scope", description)
    }

    /// 428 `authorization_pending`: the user has not decided on the device
    /// code yet (Google's status; RFC 8628 says 400).
    pub fn authorization_pending() -> Self {
        Self::new(
            StatusCode::PRECONDITION_REQUIRED,
            "authorization_pending",
            "Precondition Required",
        )
    }

    /// 403 `slow_down`: the device polled sooner than its interval.
    pub fn slow_down() -> Self {
        Self::new(StatusCode::FORBIDDEN, "slow_down", "Forbidden")
    }

    /// 403 `access_denied`: the user declined the device's request.
    pub fn access_denied() -> Self {
        Self::new(StatusCode::FORBIDDEN, "access_denied", "Forbidden")
    }

    /// 400 `expired_token`: the device code outlived `expires_in`.
    pub fn expired_token() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "expired_token", "Bad Request")
    }

    /// The error description Google sends.
    pub fn description(&self) -> &str {
        &self.error_description
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The OAuth error code.
    pub fn code(&self) -> &'static str {
        self.error
    }
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let body = serde_json::to_string_pretty(&self).unwrap_or_default();
        (self.status, NO_STORE, body).into_response()
    }
}
