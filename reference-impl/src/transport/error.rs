use std::error::Error as StdError;
use std::sync::Arc;

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
