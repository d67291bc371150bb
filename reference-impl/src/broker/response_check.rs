//! Vetting token endpoint answers before `oauth2` parses them.
//!
//! `oauth2` happily accepts a 200 that also carries `error`, and reports every other
//! oddity as one opaque parse error. Checking the shape first gives each bad answer its
//! own [`ProtocolProblem`], and classifies 5xx/429 by status so that a body that looks
//! like a token is never accepted from a failure status.

use std::time::{Duration, SystemTime};

use super::error::ProtocolProblem;
use crate::transport::{HttpResponse, TransportError};

/// The longest token lifetime believed; longer is a provider bug or an attack.
const MAX_LIFETIME_SECONDS: i64 = 24 * 60 * 60;

/// Failures our HTTP adapter reports to `oauth2` before it parses anything.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AdapterError {
    #[error("transport failed")]
    Transport(#[source] TransportError),
    /// 5xx and 429 are answered by proxies and overload paths with arbitrary bodies,
    /// so they are classified by status instead of being parsed as OAuth errors.
    #[error("token endpoint answered http {status}")]
    Unavailable {
        status: u16,
        error: Option<String>,
        retry_after: Option<Duration>,
    },
    #[error("token endpoint answered with an unusable body")]
    Invalid(ProtocolProblem),
}

/// Rejects 5xx/429 and malformed success bodies; `now` dates `Retry-After`.
pub(crate) fn check_response(response: &HttpResponse, now: SystemTime) -> Result<(), AdapterError> {
    let status = response.status();
    if status.is_server_error() || status == http::StatusCode::TOO_MANY_REQUESTS {
        return Err(unavailable(response, now));
    }
    if status == http::StatusCode::OK {
        check_success_body(response).map_err(AdapterError::Invalid)?;
    }
    Ok(())
}

fn unavailable(response: &HttpResponse, now: SystemTime) -> AdapterError {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        error: String,
    }
    let error = serde_json::from_slice::<ErrorBody>(response.body())
        .ok()
        .map(|body| sanitize_code(&body.error));
    let retry_after = response
        .headers()
        .get(http::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| parse_retry_after(value, now));
    AdapterError::Unavailable {
        status: response.status().as_u16(),
        error,
        retry_after,
    }
}

/// `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

fn check_success_body(response: &HttpResponse) -> Result<(), ProtocolProblem> {
    let status = response.status().as_u16();
    let body: serde_json::Value = match serde_json::from_slice(response.body()) {
        Ok(body) => body,
        Err(_) if looks_like_html(response) => return Err(ProtocolProblem::HtmlPage { status }),
        Err(_) => return Err(ProtocolProblem::NotJson { status }),
    };
    let Some(fields) = body.as_object() else {
        return Err(ProtocolProblem::NotJson { status });
    };
    if let Some(error) = fields.get("error") {
        let error = error
            .as_str()
            .map_or("<nonstandard>".to_owned(), sanitize_code);
        return Err(ProtocolProblem::ErrorInSuccess { error });
    }
    if !fields.get("access_token").is_some_and(|t| t.is_string()) {
        return Err(ProtocolProblem::MissingAccessToken);
    }
    match fields.get("expires_in") {
        None | Some(serde_json::Value::Null) => Err(ProtocolProblem::MissingExpiresIn),
        Some(serde_json::Value::Number(number)) => {
            let seconds = number
                .as_i64()
                .or_else(|| number.as_u64().map(|_| i64::MAX))
                .or_else(|| number.as_f64().map(|f| f as i64))
                .unwrap_or(i64::MAX);
            if (1..=MAX_LIFETIME_SECONDS).contains(&seconds) && number.is_i64() {
                Ok(())
            } else {
                Err(ProtocolProblem::ExpiresInOutOfRange { seconds })
            }
        }
        Some(_) => Err(ProtocolProblem::ExpiresInNotANumber),
    }
}

fn looks_like_html(response: &HttpResponse) -> bool {
    let html_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.to_ascii_lowercase().contains("html"));
    let body = String::from_utf8_lossy(response.body());
    html_type || body.trim_start().starts_with('<')
}

/// Keeps provider error codes out of messages unless they look like OAuth codes, so a
/// misbehaving endpoint cannot smuggle a token into our errors and logs.
pub(crate) fn sanitize_code(code: &str) -> String {
    let looks_like_code = !code.is_empty()
        && code.len() <= 64
        && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if looks_like_code {
        code.to_owned()
    } else {
        "<nonstandard>".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(90))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(90));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
