//! The request journal: one [`JournalEntry`] per request the provider saw.
//!
//! `entry.rs` holds the record types; `recorder.rs` holds the shared,
//! append-only [`Journal`] the middleware writes to and checkers read;
//! `query.rs` the filters checkers and the admin API use.

mod entry;
mod query;
mod recorder;

pub use entry::{Endpoint, GrantId, IssuedToken, JournalEntry, RequestDetails};
pub use query::JournalQuery;
pub use recorder::Journal;
