//! Ready-made faults shaped like Google's real failures.
//!
//! The token endpoint and the Gmail API fail differently: the token
//! endpoint answers `{"error", "error_description"}`, Gmail answers the
//! Google API error envelope (`{"error":{"code","message","errors","status"}}`).

use super::{Fault, FaultTarget};
use crate::gmail::errors::api_error_body;
use http::StatusCode;
use std::time::{Duration, SystemTime};

const JSON: &str = "application/json; charset=utf-8";

impl FaultTarget {
    fn is_gmail(&self) -> bool {
        self.endpoint.is_some_and(|e| e.is_gmail())
    }

    /// A 500/502/503/504 with the body Google sends for this endpoint
    /// (Gmail: reason `backendError`, "Backend Error").
    pub fn server_error(self, status: u16) -> Fault {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = if self.is_gmail() {
            let name = match status.as_u16() {
                503 => "UNAVAILABLE",
                504 => "DEADLINE_EXCEEDED",
                _ => "INTERNAL",
            };
            api_error_body(
                status.as_u16(),
                "Backend Error",
                "global",
                "backendError",
                name,
            )
        } else {
            // [guess] Google's token endpoint 5xx: an OAuth-shaped error.
            serde_json::json!({
                "error": "internal_failure",
                "error_description": "Backend Error",
            })
            .to_string()
        };
        self.respond(status, body)
            .labelled(format!("server error {}", status.as_u16()))
    }

    /// 429 with a `Retry-After` header (seconds) and a rate-limit body.
    pub fn rate_limited(self, retry_after: Duration) -> Fault {
        let body = if self.is_gmail() {
            api_error_body(
                429,
                "Too many concurrent requests for user.",
                "global",
                "rateLimitExceeded",
                "RESOURCE_EXHAUSTED",
            )
        } else {
            serde_json::json!({
                "error": "rate_limit_exceeded",
                "error_description": "Rate limit exceeded.",
            })
            .to_string()
        };
        let headers = vec![
            ("content-type".to_owned(), JSON.to_owned()),
            ("retry-after".to_owned(), retry_after.as_secs().to_string()),
        ];
        self.respond_with(StatusCode::TOO_MANY_REQUESTS, headers, body)
            .labelled(format!(
                "rate limited retry-after {}s",
                retry_after.as_secs()
            ))
    }

    /// Gmail's message-only 429: "User-rate limit exceeded.  Retry after
    /// <RFC 3339 time>" in the body and no `Retry-After` header.
    pub fn user_rate_limit_until(self, retry_at: SystemTime) -> Fault {
        let message = format!(
            "User-rate limit exceeded.  Retry after {}",
            humantime::format_rfc3339_millis(crate::provider::clamp_time(retry_at))
        );
        let body = api_error_body(
            429,
            &message,
            "usageLimits",
            "rateLimitExceeded",
            "RESOURCE_EXHAUSTED",
        );
        self.respond(StatusCode::TOO_MANY_REQUESTS, body)
            .labelled("user-rate limit (message only)")
    }

    /// A 200 whose JSON body is cut off halfway.
    pub fn truncated_json(self) -> Fault {
        let body = r#"{"access_token":"ya29.a0truncated","expires_in":35"#;
        self.respond(StatusCode::OK, body)
            .labelled("truncated json")
    }

    /// An HTML error page, as Google's front end serves when overloaded.
    pub fn html_error_page(self, status: u16) -> Fault {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
        let body = format!(
            "<!DOCTYPE html>\n<html lang=en><meta charset=utf-8><title>Error {0} (Server Error)!!1</title>\
             <p><b>{0}.</b> <ins>That’s an error.</ins><p>The server encountered a temporary error \
             and could not complete your request.<p>Please try again in 30 seconds. \
             <ins>That’s all we know.</ins></html>\n",
            status.as_u16()
        );
        let headers = vec![(
            "content-type".to_owned(),
            "text/html; charset=UTF-8".to_owned(),
        )];
        self.respond_with(status, headers, body)
            .labelled(format!("html error page {}", status.as_u16()))
    }

    /// A 200 with a valid-looking JSON body served as `text/plain`.
    pub fn wrong_content_type(self) -> Fault {
        let headers = vec![("content-type".to_owned(), "text/plain".to_owned())];
        let body = r#"{"access_token":"ya29.a0wrongtype","expires_in":3599,"token_type":"Bearer"}"#;
        self.respond_with(StatusCode::OK, headers, body)
            .labelled("wrong content type")
    }

    /// A 503 whose body looks like a successful token response: a client
    /// that parses bodies without checking the status will be fooled.
    pub fn token_shaped_server_error(self) -> Fault {
        let body = r#"{"access_token":"ya29.a0notreally","expires_in":3599,"token_type":"Bearer"}"#;
        self.respond(StatusCode::SERVICE_UNAVAILABLE, body)
            .labelled("5xx with token-shaped body")
    }
}
