//! The seams a token broker reads the world through, in a crate of their
//! own: [`Clock`] (wall and monotonic time) and [`HttpTransport`] (one
//! buffered HTTP exchange, with [`TransportError`] for what can go wrong).
//!
//! The reference broker (`reference-impl`) takes both and re-exports them;
//! the harness implements them (its `SimClock`, its in-memory transport
//! over the mock provider). A broker of one's own that takes them can be
//! bound into the harness in process without depending on the reference
//! broker.

mod clock;
mod transport;

pub use clock::{Clock, tokio_monotonic};
pub use transport::{HttpRequest, HttpResponse, HttpTransport, TransportError};
