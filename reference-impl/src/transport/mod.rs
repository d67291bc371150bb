//! The HTTP seam: everything the broker sends goes through [`HttpTransport`].
//!
//! `reqwest.rs` holds the production implementation; the harness supplies an in-memory
//! one that calls the mock provider's router directly, so simulated runs need no sockets.
//! `error.rs` holds the small set of failures a transport may report.

mod error;
mod reqwest;

pub use self::error::TransportError;
pub use self::reqwest::ReqwestTransport;

use futures::future::BoxFuture;

/// An outgoing request with a fully buffered body.
pub type HttpRequest = http::Request<Vec<u8>>;
/// A received response with a fully buffered body.
pub type HttpResponse = http::Response<Vec<u8>>;

/// Sends one HTTP request and returns the complete response.
///
/// Any status code is a successful send; only failures to get a full response are
/// errors. Implementations must not retry: the broker decides what is safe to repeat.
///
/// # Example
///
/// A transport that answers every request with the same canned token response:
///
/// ```
/// use futures::future::BoxFuture;
/// use reference_impl::{HttpRequest, HttpResponse, HttpTransport, TransportError};
///
/// #[derive(Debug)]
/// struct Canned;
///
/// impl HttpTransport for Canned {
///     fn send(&self, _request: HttpRequest) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
///         let body = br#"{"access_token":"ya29.x","expires_in":3599,"token_type":"Bearer"}"#;
///         let response = http::Response::builder()
///             .header("content-type", "application/json")
///             .body(body.to_vec())
///             .expect("static response is valid");
///         Box::pin(async move { Ok(response) })
///     }
/// }
/// ```
pub trait HttpTransport: Send + Sync + std::fmt::Debug + 'static {
    /// Sends `request`; resolves once the whole response body has arrived.
    fn send(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>>;
}
