//! The refresh-token lifecycle: how grants are created, used and end.
//!
//! `grants.rs` holds the rules the endpoints apply (the per-client limit
//! with silent eviction, Testing-mode and idle expiry, rotation with a grace
//! window and reuse detection, early invalidation); `operations.rs` exposes
//! the lifecycle events a test triggers on a [`MockProvider`](crate::MockProvider)
//! (password change, user revocation, clock skew and jumps, …);
//! `signing_keys.rs` rotates the id_token signing keys.

mod grants;
mod operations;
mod signing_keys;

pub(crate) use grants::{RefreshDenial, RefreshStanding};
pub use operations::ClockOffset;
pub use signing_keys::SigningKeyIds;
