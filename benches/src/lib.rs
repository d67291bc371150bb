//! Support code for the criterion benches in `benches/benches/` and the
//! loopback comparison in `benches/loopback/`.
//!
//! - [`pipe`]: HTTP/1.1 over in-process pipes, so "in memory" benches of two
//!   brokers pay the same framing and open no sockets.
//! - [`hyper_transport`]: the reference broker's transport over a hyper client
//!   (to ride those pipes).
//! - [`yup`]: yup-oauth2 pointed at the mock (token URI, plain hyper client,
//!   seeded storage).
//! - [`results`]: figures criterion cannot hold (refresh counts), written
//!   next to criterion's own for `bench-summary`.
//! - [`stepped_clock`]: a wall clock moved forward to expire tokens.
//! - [`summary`]: the results as markdown tables with each target's ratio.
//! - [`run_mode`]: full size under `cargo bench`, small under `cargo test`.

pub mod hyper_transport;
pub mod pipe;
pub mod results;
pub mod run_mode;
pub mod stepped_clock;
pub mod summary;
pub mod yup;
