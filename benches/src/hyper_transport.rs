//! The reference broker's `HttpTransport` over a plain hyper client, so it can
//! ride the same in-process pipes as yup-oauth2 (production uses
//! `ReqwestTransport`, which takes no custom connector).

use std::sync::Arc;

use bytes::Bytes;
use futures::future::BoxFuture;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::Connect;
use reference_impl::{HttpRequest, HttpResponse, HttpTransport, TransportError};

/// Sends the broker's requests through a hyper client.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use benches::hyper_transport::HyperTransport;
/// use benches::pipe::{client, serve_on_pipes};
/// use reference_impl::HttpTransport;
///
/// let router = axum::Router::new().route("/", axum::routing::get(|| async { "hi" }));
/// let transport = HyperTransport::new(client(serve_on_pipes(router)));
/// let request = http::Request::get("http://pipe.invalid/").body(Vec::new()).unwrap();
/// let response = transport.send(request).await.unwrap();
/// assert_eq!(response.body(), b"hi");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct HyperTransport<C> {
    client: Client<C, Full<Bytes>>,
}

impl<C> HyperTransport<C> {
    /// Wraps `client` (its pool is shared with every clone).
    pub fn new(client: Client<C, Full<Bytes>>) -> Self {
        Self { client }
    }
}

impl<C> HttpTransport for HyperTransport<C>
where
    C: Connect + Clone + Send + Sync + std::fmt::Debug + 'static,
{
    fn send(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        let client = self.client.clone();
        Box::pin(async move {
            let (head, body) = request.into_parts();
            let request = http::Request::from_parts(head, Full::new(Bytes::from(body)));
            let response = client.request(request).await.map_err(|error| {
                let source = Some(Arc::new(error) as Arc<_>);
                TransportError::Connect { source }
            })?;
            let (head, body) = response.into_parts();
            let body = body.collect().await.map_err(|error| {
                let source = Some(Arc::new(error) as Arc<_>);
                TransportError::ConnectionReset { source }
            })?;
            Ok(http::Response::from_parts(head, body.to_bytes().to_vec()))
        })
    }
}
