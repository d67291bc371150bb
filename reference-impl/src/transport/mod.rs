//! The HTTP seam: everything the broker sends goes through [`HttpTransport`].
//!
//! `reqwest.rs` holds the production implementation; the harness supplies an in-memory
//! one that calls the mock provider's router directly, so simulated runs need no sockets.
//! The trait, its request and response types and `TransportError` live in
//! `oauth-chaos-seams` (re-exported here), below both this crate and the harness.

mod reqwest;

pub use self::reqwest::ReqwestTransport;
pub use oauth_chaos_seams::{HttpRequest, HttpResponse, HttpTransport, TransportError};

/// The `Date` an answer carries (RFC 9110 §6.6.1), if it is a valid HTTP date.
pub(crate) fn answer_date(headers: &http::HeaderMap) -> Option<std::time::SystemTime> {
    let value = headers.get(http::header::DATE)?.to_str().ok()?;
    httpdate::parse_http_date(value).ok()
}
