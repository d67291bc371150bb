use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde_json::json;

const REALM: &str = "Bearer realm=\"https://accounts.google.com/\"";
const INVALID_CREDENTIALS: &str = "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";
const MISSING_CREDENTIALS: &str = "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";

/// The Google API error envelope:
/// `{"error":{"code","message","errors":[{message,domain,reason}],"status"}}`.
pub(crate) fn api_error_body(
    code: u16,
    message: &str,
    domain: &str,
    reason: &str,
    status: &str,
) -> String {
    json!({
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
            "status": status,
        }
    })
    .to_string()
}

/// A Gmail API error exactly as Google answers it: status, envelope body,
/// and for auth failures the `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GmailError {
    status: StatusCode,
    reason: &'static str,
    body: String,
    www_authenticate: Option<String>,
}

impl GmailError {
    fn new(status: StatusCode, reason: &'static str, body: String) -> Self {
        Self {
            status,
            reason,
            body,
            www_authenticate: None,
        }
    }

    /// 401: the token is unknown, expired, revoked, or came in the query.
    pub fn invalid_credentials() -> Self {
        let body = json!({
            "error": {
                "code": 401,
                "message": INVALID_CREDENTIALS,
                "errors": [{
                    "message": "Invalid Credentials",
                    "domain": "global",
                    "reason": "authError",
                    "location": "Authorization",
                    "locationType": "header",
                }],
                "status": "UNAUTHENTICATED",
            }
        });
        Self {
            www_authenticate: Some(format!("{REALM}, error=\"invalid_token\"")),
            ..Self::new(StatusCode::UNAUTHORIZED, "authError", body.to_string())
        }
    }

    /// 401: no credentials at all.
    pub fn missing_credentials() -> Self {
        let body = json!({
            "error": {
                "code": 401,
                "message": MISSING_CREDENTIALS,
                "errors": [{
                    "message": "Login Required.",
                    "domain": "global",
                    "reason": "required",
                    "location": "Authorization",
                    "locationType": "header",
                }],
                "status": "UNAUTHENTICATED",
            }
        });
        Self {
            www_authenticate: Some(REALM.to_owned()),
            ..Self::new(StatusCode::UNAUTHORIZED, "required", body.to_string())
        }
    }

    /// 403: the token lacks every scope that would allow the call.
    pub fn insufficient_scope(accepted: &[&str]) -> Self {
        let body = api_error_body(
            403,
            "Request had insufficient authentication scopes.",
            "global",
            "insufficientPermissions",
            "PERMISSION_DENIED",
        );
        Self {
            www_authenticate: Some(format!(
                "{REALM}, error=\"insufficient_scope\", scope=\"{}\"",
                accepted.join(" ")
            )),
            ..Self::new(StatusCode::FORBIDDEN, "insufficientPermissions", body)
        }
    }

    /// 403: `userId` names another user.
    pub fn delegation_denied(user_id: &str) -> Self {
        let message = format!("Delegation denied for {user_id}");
        let body = api_error_body(403, &message, "global", "forbidden", "PERMISSION_DENIED");
        Self::new(StatusCode::FORBIDDEN, "forbidden", body)
    }

    /// 404 `notFound`, Google's exact body (also the expired-history answer).
    pub fn not_found() -> Self {
        let body = r#"{"error":{"code":404,"message":"Requested entity was not found.","errors":[{"message":"Requested entity was not found.","domain":"global","reason":"notFound"}],"status":"NOT_FOUND"}}"#;
        Self::new(StatusCode::NOT_FOUND, "notFound", body.to_owned())
    }

    /// 400 `invalidArgument` with Google's message.
    pub fn invalid_argument(message: &str) -> Self {
        let body = api_error_body(
            400,
            message,
            "global",
            "invalidArgument",
            "INVALID_ARGUMENT",
        );
        Self::new(StatusCode::BAD_REQUEST, "invalidArgument", body)
    }

    /// 400 `failedPrecondition`-free "required parameter" error.
    pub fn required(parameter: &str) -> Self {
        let message = format!("Required parameter: {parameter}");
        let body = api_error_body(400, &message, "global", "required", "INVALID_ARGUMENT");
        Self::new(StatusCode::BAD_REQUEST, "required", body)
    }

    /// 413 in Gmail's envelope: a send's body or upload is over `limit`
    /// bytes (the message is the one Google's API front end gives).
    pub fn payload_too_large(limit: usize) -> Self {
        let message = format!("Request payload size exceeds the limit: {limit} bytes.");
        let body = api_error_body(413, &message, "global", "badRequest", "INVALID_ARGUMENT");
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "badRequest", body)
    }

    /// 429 `RESOURCE_EXHAUSTED` when the per-user quota is spent.
    pub fn quota_exhausted() -> Self {
        let body = api_error_body(
            429,
            "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'gmail.googleapis.com'.",
            "usageLimits",
            "rateLimitExceeded",
            "RESOURCE_EXHAUSTED",
        );
        Self::new(StatusCode::TOO_MANY_REQUESTS, "rateLimitExceeded", body)
    }
}

impl IntoResponse for GmailError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
            self.body,
        )
            .into_response();
        if let Some(challenge) = self
            .www_authenticate
            .and_then(|c| HeaderValue::try_from(c).ok())
        {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge);
        }
        let outcome = crate::outcome::Outcome::error(self.reason);
        response.extensions_mut().insert(outcome);
        response
    }
}
