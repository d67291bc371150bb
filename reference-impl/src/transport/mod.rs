//! The HTTP seam: everything the broker sends goes through [`HttpTransport`].
//!
//! `reqwest.rs` holds the production implementation; the harness supplies an in-memory
//! one that calls the mock provider's router directly, so simulated runs need no sockets.
//! The trait, its request and response types and `TransportError` live in
//! `oauth-chaos-seams` (re-exported here), below both this crate and the harness.

mod reqwest;

pub use self::reqwest::ReqwestTransport;
pub use oauth_chaos_seams::{HttpRequest, HttpResponse, HttpTransport, TransportError};
