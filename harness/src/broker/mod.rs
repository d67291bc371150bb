//! The broker-under-test seam: one trait, built per run by a factory.
//!
//! `under_test.rs` defines [`BrokerUnderTest`] and what a run hands a
//! broker ([`BrokerEnv`]); `reference.rs` binds the reference broker;
//! `choice.rs` parses `--broker` into a factory (reference or a mutant).

mod choice;
mod reference;
mod under_test;

pub use choice::{BrokerChoice, MUTANTS};
pub use reference::ReferenceBroker;
pub use under_test::{
    AccountReport, BrokerEnv, BrokerFactory, BrokerFailure, BrokerUnderTest, Capabilities,
    FailureKind,
};
