//! Mutant brokers: each one is correct but for one deliberate flaw, so a
//! test can prove the checker for that flaw catches it.
//!
//! `naive.rs` is a small broker with knobs for each flaw; the mutants are
//! named configurations of it.

mod naive;

pub use naive::{NaiveBroker, NaiveKnobs};

use crate::broker::{BrokerEnv, BrokerFactory, BrokerUnderTest};
use async_trait::async_trait;
use std::sync::Arc;

/// `mutant:no-single-flight`: every caller that finds the token stale sends
/// its own refresh.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSingleFlight;

#[async_trait]
impl BrokerFactory for NoSingleFlight {
    fn name(&self) -> String {
        "mutant:no-single-flight".to_owned()
    }

    async fn build(&self, env: BrokerEnv) -> Arc<dyn BrokerUnderTest> {
        Arc::new(NaiveBroker::new(env, NaiveKnobs::default()))
    }
}
