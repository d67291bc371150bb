use axum::Router;
use axum::body::Body;
use futures::future::BoxFuture;
use http_body_util::BodyExt;
use oauth_chaos_seams::{HttpRequest, HttpResponse, HttpTransport, TransportError};
use std::time::Duration;
use tower::ServiceExt;

/// An [`HttpTransport`] that calls the mock provider's router directly:
/// no sockets, so a sim run is deterministic.
///
/// Network faults (latency, reset, lost acks) are decided inside the mock,
/// so they behave the same here as over loopback. Like a real HTTP client
/// it gives up after a timeout (tokio's timer, so on paused time the
/// timeout is simulated too): the provider then sees the request abandoned.
///
/// ```
/// use harness::sim::InMemoryTransport;
/// use std::time::Duration;
/// let provider = mock_provider::MockProvider::builder().build();
/// let transport = InMemoryTransport::new(provider.router()).with_timeout(Duration::from_secs(5));
/// assert_eq!(transport.timeout(), Some(Duration::from_secs(5)));
/// ```
#[derive(Debug, Clone)]
pub struct InMemoryTransport {
    router: Router,
    timeout: Option<Duration>,
}

impl InMemoryTransport {
    /// Wraps the provider's router (from `MockProvider::router()`), with no
    /// timeout.
    pub fn new(router: Router) -> Self {
        Self {
            router,
            timeout: None,
        }
    }

    /// Fails requests with [`TransportError::Timeout`] when the whole
    /// response has not arrived after `timeout`.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The timeout, if any.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }
}

impl HttpTransport for InMemoryTransport {
    fn send(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        let router = self.router.clone();
        let exchange = exchange(router, request);
        match self.timeout {
            None => Box::pin(exchange),
            Some(timeout) => Box::pin(async move {
                tokio::time::timeout(timeout, exchange)
                    .await
                    .unwrap_or(Err(TransportError::Timeout))
            }),
        }
    }
}

/// One request through the router, the body collected as a client would.
async fn exchange(router: Router, request: HttpRequest) -> Result<HttpResponse, TransportError> {
    let request = request.map(Body::from);
    // The router's error type is Infallible.
    let response = match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let (parts, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .map_err(|_| TransportError::ConnectionReset { source: None })?
        .to_bytes();
    Ok(HttpResponse::from_parts(parts, bytes.to_vec()))
}
