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
}

impl TokenError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            error_description: description.into(),
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
