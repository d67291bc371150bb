use axum::Router;
use axum::body::Body;
use futures::future::BoxFuture;
use http_body_util::BodyExt;
use reference_impl::{HttpRequest, HttpResponse, HttpTransport, TransportError};
use tower::ServiceExt;

use super::http::DROP_HEADER;
use super::state::FakeGmail;

/// Calls the fake's router in memory (like `harness::sim::InMemoryTransport`); a
/// response marked ack-lost becomes a connection reset after the work was done.
#[derive(Debug, Clone)]
pub struct InMemoryGmail {
    router: Router,
}

impl InMemoryGmail {
    pub fn new(gmail: &FakeGmail) -> Self {
        Self {
            router: gmail.router(),
        }
    }
}

impl HttpTransport for InMemoryGmail {
    fn send(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        let router = self.router.clone();
        Box::pin(async move {
            let response = match router.oneshot(request.map(Body::from)).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if response.headers().contains_key(DROP_HEADER) {
                return Err(TransportError::ConnectionReset { source: None });
            }
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
