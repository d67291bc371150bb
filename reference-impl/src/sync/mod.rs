//! The Gmail sync engine.
//!
//! `engine.rs` is the public face (`SyncEngine::sync`: lease, then full or partial
//! sync, commits under the lease's fence). `full.rs` lists and fetches everything and
//! reconciles; `partial.rs` replays history; `fetch.rs` gets messages in a bounded
//! window. `gmail.rs` sends one request with the retry discipline (`retry.rs`), and
//! `wire.rs` parses Gmail's JSON strictly. `token_source.rs` is where tokens come
//! from, `crash.rs` the crash-point hook, `error.rs` the failures, `config.rs` knobs.

mod config;
mod crash;
mod engine;
mod error;
mod fetch;
mod full;
pub(crate) mod gmail;
mod partial;
mod retry;
mod token_source;
pub(crate) mod wire;

pub use self::config::SyncConfig;
pub use self::crash::{CrashPoint, CrashPoints, Crashed, GmailEndpoint, NoCrashes};
pub use self::engine::{InvalidGmailBase, SyncEngine, SyncMode, SyncReport};
pub use self::error::{Location, SyncError};
pub use self::retry::RetryPolicy;
pub use self::token_source::{TokenSource, TokenSourceError};
