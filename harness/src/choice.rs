//! `--broker`: which broker a run plays against. Above both `broker` (the
//! bindings) and `mutants` (the flawed ones), so neither knows the other
//! through it.

use crate::broker::{BrokerFactory, ProcessBroker, ReferenceBroker};
use crate::errors::RunError;
use crate::mutants::{MUTANT_CATALOGUE, MutantEntry, mutant};
use std::sync::Arc;

/// Every mutant broker: the mutant table (name, target invariant, flaw,
/// scenarios).
pub const MUTANTS: &[MutantEntry] = MUTANT_CATALOGUE;

/// A `--broker` value.
#[derive(Debug, Clone)]
pub struct BrokerChoice {
    factory: Arc<dyn BrokerFactory>,
}

impl BrokerChoice {
    /// Parses `reference`, `reference-broker`, `mutant:NAME` or `cmd:COMMAND`.
    ///
    /// ```
    /// use harness::choice::BrokerChoice;
    /// assert_eq!(BrokerChoice::parse("reference").unwrap().name(), "reference");
    /// assert_eq!(BrokerChoice::parse("cmd:python3 b.py").unwrap().name(), "cmd:python3 b.py");
    /// assert!(BrokerChoice::parse("mutant:nope").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, RunError> {
        let factory: Arc<dyn BrokerFactory> = match text {
            "reference" => Arc::new(ReferenceBroker),
            "reference-broker" => Arc::new(ProcessBroker::reference()),
            other => {
                if let Some(name) = other.strip_prefix("mutant:") {
                    mutant(name).ok_or_else(|| RunError::UnknownBroker(other.to_owned()))?
                } else if let Some(command) = other.strip_prefix("cmd:") {
                    let command = command.trim().trim_matches('"').trim();
                    if command.is_empty() {
                        return Err(RunError::UnknownBroker(other.to_owned()));
                    }
                    Arc::new(ProcessBroker::command(command))
                } else {
                    return Err(RunError::UnknownBroker(other.to_owned()));
                }
            }
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
