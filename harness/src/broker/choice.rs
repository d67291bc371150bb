use super::{BrokerFactory, ReferenceBroker};
use crate::errors::RunError;
use crate::mutants::NoSingleFlight;
use std::sync::Arc;

/// Every mutant broker: its name and the invariant it breaks.
pub const MUTANTS: &[(&str, &str)] = &[(
    "no-single-flight",
    "single_flight_refresh: every stale caller refreshes on its own",
)];

/// A `--broker` value.
#[derive(Debug, Clone)]
pub struct BrokerChoice {
    factory: Arc<dyn BrokerFactory>,
}

impl BrokerChoice {
    /// Parses `reference` or `mutant:NAME`.
    ///
    /// ```
    /// use harness::broker::BrokerChoice;
    /// assert_eq!(BrokerChoice::parse("reference").unwrap().name(), "reference");
    /// assert!(BrokerChoice::parse("mutant:nope").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, RunError> {
        let factory: Arc<dyn BrokerFactory> = match text {
            "reference" => Arc::new(ReferenceBroker),
            "mutant:no-single-flight" => Arc::new(NoSingleFlight),
            other => return Err(RunError::UnknownBroker(other.to_owned())),
        };
        Ok(Self { factory })
    }

    /// Wraps any factory (for your own in-process broker).
    pub fn custom(factory: Arc<dyn BrokerFactory>) -> Self {
        Self { factory }
    }

    /// The broker's name for reports and replay commands.
    pub fn name(&self) -> String {
        self.factory.name()
    }

    /// The factory.
    pub fn factory(&self) -> &Arc<dyn BrokerFactory> {
        &self.factory
    }
}
