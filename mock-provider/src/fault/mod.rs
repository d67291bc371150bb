//! Faults: values that decide how the provider misbehaves for a request.
//!
//! A [`Fault`] is built from a target ([`Fault::on`]) and an action, then
//! mounted on a provider, which returns a [`FaultGuard`]. On each request
//! the mounted faults are asked in mount order: delays that apply add up,
//! and the first applying fault with another action (a status, a reset, a
//! lost ack, a hang) ends the asking.
//!
//! `target.rs` says which requests a fault matches, `action.rs` what it does
//! to them, `builtin.rs` holds Google-shaped ready-made faults, `rule.rs`
//! the complete value with its count and probability limits, and `set.rs`
//! the mounted list with its seeded generator.

mod action;
mod builtin;
mod rule;
mod set;
mod spec;
mod target;

pub use action::{FaultAction, Latency};
pub use rule::{Fault, Verdict};
pub use set::FaultGuard;
pub(crate) use set::{Decision, FaultSet};
pub use spec::{FaultActionSpec, FaultSpec};
pub use target::{FaultTarget, RequestFacts};
