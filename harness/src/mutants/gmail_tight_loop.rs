//! `mutant:gmail-429-tight-loop`: the reference broker behind an HTTP
//! client whose retry layer re-sends a Gmail request answered 429 or 5xx at
//! once, up to ten times, ignoring `Retry-After` (a retry middleware with no
//! backoff: `retry_discipline`'s Gmail rules). Token requests pass through.

use crate::broker::{BrokerEnv, BrokerFactory, BrokerFailure, build_reference};
use async_trait::async_trait;
use futures::future::BoxFuture;
use reference_impl::{HttpRequest, HttpResponse, HttpTransport, TransportError};
use std::sync::Arc;

/// Re-sends after a retryable answer, with no wait.
const EXTRA_TRIES: usize = 10;

/// The factory.
#[derive(Debug, Clone, Copy)]
pub(super) struct GmailTightLoop;

#[async_trait]
impl BrokerFactory for GmailTightLoop {
    fn name(&self) -> String {
        "mutant:gmail-429-tight-loop".to_owned()
    }

    async fn build(
        &self,
        mut env: BrokerEnv,
    ) -> Result<Arc<dyn crate::broker::BrokerInstance>, BrokerFailure> {
        env.transport = Arc::new(RetryAtOnce {
            inner: env.transport.clone(),
        });
        build_reference(env).await
    }
}

#[derive(Debug)]
struct RetryAtOnce {
    inner: Arc<dyn HttpTransport>,
}

fn copy(request: &HttpRequest) -> HttpRequest {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    copy
}

impl HttpTransport for RetryAtOnce {
    fn send(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        if !request.uri().path().starts_with("/gmail/") {
            return self.inner.send(request);
        }
        let inner = self.inner.clone();
        Box::pin(async move {
            let mut answer = inner.send(copy(&request)).await;
            for _ in 0..EXTRA_TRIES {
                let retryable =
                    matches!(&answer, Ok(r) if r.status() == 429 || r.status().is_server_error());
                if !retryable {
                    break;
                }
                answer = inner.send(copy(&request)).await;
            }
            answer
        })
    }
}
