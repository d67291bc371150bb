use std::error::Error as StdError;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use super::{HttpRequest, HttpResponse, HttpTransport, TransportError};

/// The production transport: a shared `reqwest::Client` with a whole-request timeout.
///
/// ```
/// use std::time::Duration;
/// use reference_impl::ReqwestTransport;
///
/// let transport = ReqwestTransport::new();
/// let impatient = ReqwestTransport::with_timeout(Duration::from_secs(5));
/// # let _ = (transport, impatient);
/// ```
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// The default whole-request timeout.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// A transport with [`Self::DEFAULT_TIMEOUT`].
    pub fn new() -> Self {
        Self::with_timeout(Self::DEFAULT_TIMEOUT)
    }

    /// A transport whose requests fail with [`TransportError::Timeout`] after `timeout`.
    pub fn with_timeout(timeout: Duration) -> Self {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            // Only TLS backend initialisation can fail here, which is a broken build,
            // not a runtime condition callers could handle.
            .expect("reqwest client with rustls must build");
        Self { client }
    }

    /// Uses an existing client (for shared connection pools or custom TLS roots).
    pub fn from_client(client: reqwest::Client) -> Self {
        Self { client }
    }
}

impl Default for ReqwestTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpTransport for ReqwestTransport {
    fn send(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        let client = self.client.clone();
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(classify)?;
            let response = client.execute(request).await.map_err(classify)?;
            let mut builder = http::Response::builder()
                .status(response.status())
                .version(response.version());
            if let Some(headers) = builder.headers_mut() {
                *headers = response.headers().clone();
            }
            let body = response.bytes().await.map_err(classify)?;
            builder
                .body(body.to_vec())
                .map_err(|error| TransportError::Other {
                    source: Some(Arc::new(error)),
                })
        })
    }
}

/// Maps a reqwest error onto our variants, dropping the URL it carries.
fn classify(error: reqwest::Error) -> TransportError {
    let error = error.without_url();
    if error.is_timeout() {
        return TransportError::Timeout;
    }
    let connect = error.is_connect();
    let reset = is_reset(&error);
    let source: Option<Arc<dyn StdError + Send + Sync>> = Some(Arc::new(error));
    if connect {
        TransportError::Connect { source }
    } else if reset {
        TransportError::ConnectionReset { source }
    } else {
        TransportError::Other { source }
    }
}

/// True when the connection was up but died before the response completed.
fn is_reset(error: &reqwest::Error) -> bool {
    // Body errors mean headers arrived and the rest did not; request errors after a
    // successful connect are hyper's "connection closed before message completed".
    if error.is_body() || error.is_decode() || (error.is_request() && !error.is_connect()) {
        return true;
    }
    let mut cause: Option<&(dyn StdError + 'static)> = error.source();
    while let Some(current) = cause {
        if let Some(io_error) = current.downcast_ref::<io::Error>() {
            return matches!(
                io_error.kind(),
                io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
                    | io::ErrorKind::UnexpectedEof
            );
        }
        cause = current.source();
    }
    false
}
