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
    /// `--relay`, as given (for replay commands).
    relay: Option<String>,
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
        Self::parse_with_relay(text, None)
    }

    /// [`parse`](Self::parse), with `relay` (`--relay`) as the relay process
    /// of a process broker: `cmd:` brokers have none without it, and
    /// `reference-broker`'s is `token-relay` unless it is given.
    ///
    /// ```
    /// use harness::choice::BrokerChoice;
    /// let choice = BrokerChoice::parse_with_relay("cmd:python3 b.py", Some("./relay")).unwrap();
    /// assert_eq!(choice.relay(), Some("./relay"));
    /// assert!(BrokerChoice::parse_with_relay("reference", Some("./relay")).is_err());
    /// ```
    pub fn parse_with_relay(text: &str, relay: Option<&str>) -> Result<Self, RunError> {
        let process = |broker: ProcessBroker| -> Arc<dyn BrokerFactory> {
            Arc::new(match relay {
                Some(relay) => broker.with_relay(relay),
                None => broker,
            })
        };
        let factory: Arc<dyn BrokerFactory> = match text {
            "reference-broker" => process(ProcessBroker::reference()),
            other => {
                if let Some(command) = other.strip_prefix("cmd:") {
                    let command = command.trim().trim_matches('"').trim();
                    if command.is_empty() {
                        return Err(RunError::UnknownBroker(other.to_owned()));
                    }
                    process(ProcessBroker::command(command))
                } else if relay.is_some() {
                    Self::parse(other)?;
                    return Err(RunError::RelayWithoutProcess(other.to_owned()));
                } else if other == "reference" {
                    Arc::new(ReferenceBroker)
                } else if let Some(name) = other.strip_prefix("mutant:") {
                    mutant(name).ok_or_else(|| RunError::UnknownBroker(other.to_owned()))?
                } else {
                    return Err(RunError::UnknownBroker(other.to_owned()));
                }
            }
        };
        Ok(Self {
            factory,
            relay: relay.map(str::to_owned),
        })
    }

    /// Wraps any factory (for your own in-process broker).
    pub fn custom(factory: Arc<dyn BrokerFactory>) -> Self {
        Self {
            factory,
            relay: None,
        }
    }

    /// The `--relay` command this choice was given, if any.
    pub fn relay(&self) -> Option<&str> {
        self.relay.as_deref()
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
