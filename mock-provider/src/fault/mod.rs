//! Faults: values that decide how the provider misbehaves for a request.
//!
//! A [`Fault`] is built from a target ([`Fault::on`]) and an action, then
//! mounted on a provider, which returns a [`FaultGuard`]. On each request
//! the mounted faults are asked in mount order; the first one that does not
//! pass decides. `rule.rs` holds the values, `set.rs` the mounted list.

mod rule;
mod set;

pub use rule::{Fault, FaultAction, FaultTarget, RequestFacts, Verdict};
pub use set::FaultGuard;
pub(crate) use set::FaultSet;
