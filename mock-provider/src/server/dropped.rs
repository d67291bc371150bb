use axum::body::{Body, Bytes};
use axum::response::Response;

/// A response whose body fails before its first byte.
///
/// Over a socket, hyper gives up on the connection when the body errors:
/// the head it buffered is never flushed, so the client sees the connection
/// closed with no response. In memory, collecting the body fails, which the
/// harness's `InMemoryTransport` reports as `ConnectionReset`. One value,
/// the same behaviour on both paths.
pub(crate) fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "fault: connection dropped by the mock provider",
        ))
    });
    Response::new(Body::from_stream(stream))
}
