//! The HTTP seam: a broker sends every request through [`HttpTransport`],
//! so the harness can answer it from the mock provider's router in memory
//! (no sockets in a simulated run) and production through a real client.

use futures::future::BoxFuture;
use std::error::Error as StdError;
use std::sync::Arc;

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
/// use oauth_chaos_seams::{HttpRequest, HttpResponse, HttpTransport, TransportError};
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

/// Why a request got no complete response.
///
/// Messages never contain the URL: a query string could carry a secret. The underlying
/// cause, when kept, is available through [`std::error::Error::source`].
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No connection could be established (DNS, refused, TLS handshake).
    #[error("could not connect to the server; check the endpoint and network")]
    Connect {
        /// The underlying failure.
        #[source]
        source: Option<Arc<dyn StdError + Send + Sync>>,
    },
    /// The request did not complete within the transport's timeout.
    #[error("the request timed out; the server may still have processed it")]
    Timeout,
    /// The connection closed or was reset before a full response arrived.
    #[error(
        "the connection was closed before a full response arrived; the server may still have processed the request"
    )]
    ConnectionReset {
        /// The underlying failure.
        #[source]
        source: Option<Arc<dyn StdError + Send + Sync>>,
    },
    /// Any other transport failure.
    #[error("the request failed in the transport")]
    Other {
        /// The underlying failure.
        #[source]
        source: Option<Arc<dyn StdError + Send + Sync>>,
    },
}
