//! A small in-test Gmail: exactly the endpoints the sync engine and outbox use, shaped
//! after shared/GOOGLE_FIDELITY.md (string historyIds with random gaps, pagination, the
//! 404 body for expired history, the empty-page quirk, send into SENT), with faults a
//! test can queue. `state.rs` is the mailbox model, `http.rs` the axum router,
//! `transport.rs` an in-memory `HttpTransport`, `tokens.rs` a `TokenSource`.

pub mod http;
pub mod state;
pub mod tokens;
pub mod transport;

pub use self::state::FakeGmail;
pub use self::tokens::FakeTokens;
pub use self::transport::InMemoryGmail;

/// The base URL the in-memory transport answers for.
pub const GMAIL_BASE: &str = "http://gmail.fake";
