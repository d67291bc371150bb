use axum::Router;
use axum::body::Body;
use futures::future::BoxFuture;
use http_body_util::BodyExt;
use reference_impl::{HttpRequest, HttpResponse, HttpTransport, TransportError};
use tower::ServiceExt;

/// An [`HttpTransport`] that calls the mock provider's router directly:
/// no sockets, so a sim run is deterministic.
///
/// Network faults (latency, reset, lost acks) are decided inside the mock,
/// so they behave the same here as over loopback.
#[derive(Debug, Clone)]
pub struct InMemoryTransport {
    router: Router,
}

impl InMemoryTransport {
    /// Wraps the provider's router (from `MockProvider::router()`).
    pub fn new(router: Router) -> Self {
        Self { router }
    }
}

impl HttpTransport for InMemoryTransport {
    fn send(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        let router = self.router.clone();
        Box::pin(async move {
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
        })
    }
}
