//! The request journal: one [`JournalEntry`] per request the provider saw.
//!
//! `entry.rs` holds the record types; `recorder.rs` the shared, bounded
//! [`Journal`] the middleware appends to and checkers read (entries kept in
//! a `ChunkedQueue`, so growth never copies them under the lock);
//! `index.rs` the posting lists that let `query.rs` answer filtered
//! queries without a scan.

mod entry;
mod index;
mod query;
mod recorder;

pub use entry::{Endpoint, GrantId, IssuedToken, JournalEntry, RequestDetails};
pub use query::JournalQuery;
pub use recorder::Journal;

#[cfg(test)]
mod tests;
