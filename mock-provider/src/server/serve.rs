//! Serving the router on a socket, with the timeouts `axum::serve` lacks.
//!
//! `axum::serve` sets no timer on hyper's connections, so a client that
//! sends half a request head (slowloris) or nothing at all holds its
//! connection forever. Here each connection is served by hyper's HTTP/1
//! builder with a header read timeout; the body read timeout is the
//! middleware's (it reads every body).

use crate::shared::Timeouts;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Serves `app` on `listener` until `shutdown` fires (or its sender is
/// dropped), then lets open connections finish for up to a second.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    timeouts: Timeouts,
    shutdown: oneshot::Receiver<()>,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut shutdown => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors and the like: back off instead of
                // spinning, as axum::serve does.
                tracing::warn!(%error, "mock-provider: accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(app.clone());
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A timed-out or reset connection is the client's business.
            let _ = connection.await;
        });
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), graceful.shutdown()).await;
}
