//! HTTP/1.1 over in-process pipes: a server half for an axum `Router` and a
//! hyper connector that dials it.
//!
//! Both brokers of a side-by-side "in memory" bench talk to the mock through
//! this, so each pays the same HTTP framing on both sides and neither opens a
//! socket (a storm of 10,000 yup-oauth2 callers would otherwise need 20,000
//! file descriptors in one process).

use std::future::{Ready, ready};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use tokio::io::DuplexStream;
use tokio::sync::mpsc;

/// Bytes each direction of a pipe buffers before the writer waits.
const PIPE_BUFFER: usize = 64 * 1024;

/// Serves `router` on in-process pipes (a task on the current runtime) and
/// returns the connector that dials it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use benches::pipe::serve_on_pipes;
/// let router = axum::Router::new().route("/", axum::routing::get(|| async { "hi" }));
/// let connector = serve_on_pipes(router);
/// let client = benches::pipe::client::<String>(connector);
/// let response = client.get("http://pipe.invalid/".parse().unwrap()).await.unwrap();
/// assert_eq!(response.status(), 200);
/// # }
/// ```
pub fn serve_on_pipes(router: axum::Router) -> PipeConnector {
    let (dial, incoming) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        // Only ends when every connector is dropped (then accept never returns).
        let _ = axum::serve(PipeListener { incoming }, router).await;
    });
    PipeConnector { dial }
}

/// A hyper client over `connector` (HTTP/1.1, pooled like a socket client).
pub fn client<B>(connector: PipeConnector) -> hyper_util::client::legacy::Client<PipeConnector, B>
where
    B: hyper::body::Body + Send + 'static + Unpin,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build(connector)
}

/// The server half: each dial hands it the far end of a new pipe.
struct PipeListener {
    incoming: mpsc::UnboundedReceiver<DuplexStream>,
}

impl axum::serve::Listener for PipeListener {
    type Io = DuplexStream;
    type Addr = PipeAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.incoming.recv().await {
            Some(stream) => (stream, PipeAddr),
            // No connector left: nobody can dial again, so wait forever, as a
            // listener with no incoming connections does.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(PipeAddr)
    }
}

/// The (only) address of a pipe listener.
#[derive(Debug, Clone, Copy)]
pub struct PipeAddr;

/// Dials the pipe server: a hyper connector (`tower::Service<Uri>`) that
/// ignores the host and port of the URI.
#[derive(Debug, Clone)]
pub struct PipeConnector {
    dial: mpsc::UnboundedSender<DuplexStream>,
}

impl tower::Service<Uri> for PipeConnector {
    type Response = PipeStream;
    type Error = io::Error;
    type Future = Ready<io::Result<PipeStream>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _uri: Uri) -> Self::Future {
        let (near, far) = tokio::io::duplex(PIPE_BUFFER);
        ready(
            self.dial
                .send(far)
                .map(|()| PipeStream(TokioIo::new(near)))
                .map_err(|_| io::Error::new(io::ErrorKind::ConnectionRefused, "pipe server gone")),
        )
    }
}

/// The client end of one pipe.
#[derive(Debug)]
pub struct PipeStream(TokioIo<DuplexStream>);

impl Connection for PipeStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl Read for PipeStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl Write for PipeStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}
