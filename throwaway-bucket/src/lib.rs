//! A real S3-compatible server to test against: [`S3Server::start`] serves a
//! temp directory on 127.0.0.1 with `s3s` and `s3s-fs`, SigV4 credentials of
//! its own, and a fault layer in front ([`BucketFaults`]): intermittent 500
//! and 503, SlowDown (503 with S3's XML body), latency, connection resets, a
//! lost acknowledgement (the write happens, the answer is lost) and a full
//! outage (connections are cut as they arrive).
//!
//! ```
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! use throwaway_bucket::{BucketFault, S3Server};
//!
//! let server = S3Server::start().await?;
//! assert!(server.endpoint().starts_with("http://127.0.0.1:"));
//! let _guard = server.faults().fail_next(2, BucketFault::SlowDown);
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! `server.rs` starts and stops it, `faults.rs` is the fault layer,
//! `request_time.rs` holds S3's 15-minute rule on a clock a harness can move,
//! `serialized.rs` makes `s3s-fs`'s conditional writes atomic as S3's are, and
//! `errors.rs` says what can go wrong.

mod errors;
mod faults;
mod request_time;
mod serialized;
mod server;

pub use errors::StartError;
pub use faults::{BucketFault, BucketFaults, CommittedWrite, FaultGuard, FaultTarget, WriteLog};
pub use request_time::{MAX_REQUEST_SKEW, ServerClock};
pub use server::{S3Credentials, S3Server};
