//! The request journal: one [`JournalEntry`] per request the provider saw.
//!
//! `entry.rs` holds the record types; `recorder.rs` holds the shared,
//! append-only [`Journal`] the middleware writes to and checkers read.

mod entry;
mod recorder;

pub use entry::{Endpoint, GrantId, IssuedToken, JournalEntry};
pub use recorder::Journal;
