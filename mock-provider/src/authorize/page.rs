//! Google's error page: the authorization endpoint answers a request it
//! cannot trust (unknown client, unregistered redirect URI, a malformed
//! request) with a page, never a redirect.

use crate::outcome::Outcome;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

/// An authorization error shown to the user instead of redirecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ErrorPage {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl ErrorPage {
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description: description.into(),
        }
    }

    pub fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        let code = self.status.as_u16();
        let body = format!(
            "<!DOCTYPE html>\n<html lang=en><meta charset=utf-8>\
             <title>Error {code} ({reason})!!1</title>\n\
             <p>{code}. That's an error. Error: {error}</p>\n<p>{description}</p>\n</html>\n",
            reason = self.status.canonical_reason().unwrap_or("Error"),
            error = self.error,
            description = escape(&self.description),
        );
        let mut response = (
            self.status,
            [("content-type", "text/html; charset=utf-8")],
            body,
        )
            .into_response();
        response.extensions_mut().insert(Outcome::error(self.error));
        response
    }
}
