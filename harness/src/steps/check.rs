//! What a step's `validate` checks against: the scenario, with the checks
//! most steps share (a known account, an existing instance, a bounded
//! number of callers).

use crate::scenario::{Mode, Scenario};

/// A validation error: the field (dotted path from the step kind) and what
/// is wrong with it. The loader adds file and line.
pub type Invalid = (String, String);

/// Upper bound on callers (or grants) in one step, so a typo can't exhaust
/// memory.
pub const MAX_CALLERS: u32 = 100_000;

/// The scenario a step is checked against.
#[derive(Debug, Clone, Copy)]
pub struct Check<'s> {
    /// The whole scenario.
    pub scenario: &'s Scenario,
}

impl<'s> Check<'s> {
    /// Checks against `scenario`.
    pub fn new(scenario: &'s Scenario) -> Self {
        Self { scenario }
    }

    /// `account` is one of `provider.accounts`.
    pub fn account(&self, field: &str, account: &str) -> Result<(), Invalid> {
        if self.scenario.provider.accounts.iter().any(|a| a == account) {
            Ok(())
        } else {
            Err((
                field.to_owned(),
                format!("`{account}` is not in `provider.accounts`"),
            ))
        }
    }

    /// `account`, when given, is one of `provider.accounts`.
    pub fn maybe_account(&self, field: &str, account: Option<&String>) -> Result<(), Invalid> {
        account.map_or(Ok(()), |account| self.account(field, account))
    }

    /// `instance` is below `broker.instances`.
    pub fn instance(&self, field: &str, instance: u32) -> Result<(), Invalid> {
        if instance < self.scenario.broker.instances {
            Ok(())
        } else {
            Err((
                field.to_owned(),
                format!(
                    "no instance {instance}: `broker.instances` is {}",
                    self.scenario.broker.instances
                ),
            ))
        }
    }

    /// `count` is between 1 and [`MAX_CALLERS`].
    pub fn callers(&self, field: &str, count: u32) -> Result<(), Invalid> {
        if count == 0 || count > MAX_CALLERS {
            Err((
                field.to_owned(),
                format!("must be between 1 and {MAX_CALLERS}"),
            ))
        } else {
            Ok(())
        }
    }

    /// The scenario runs on paused time.
    pub fn sim_only(&self, field: &str) -> Result<(), Invalid> {
        if self.scenario.mode == Mode::Sim {
            Ok(())
        } else {
            Err((
                field.to_owned(),
                "pauses need `mode = \"sim\"` (a real-mode in-process broker's own timers cannot be frozen; against processes a pause is SIGSTOP)".to_owned(),
            ))
        }
    }

    /// The run's token store is the bucket.
    pub fn bucket(&self, field: &str) -> Result<(), Invalid> {
        if self.scenario.broker.store == "bucket" {
            Ok(())
        } else {
            Err((
                field.to_owned(),
                "needs `store = \"bucket\"` in `[broker]`".to_owned(),
            ))
        }
    }

    /// The mock would mount the fault `spec` describes: every value in its
    /// documented range (the mock's `FaultSpec` checks, the same the admin
    /// API applies).
    pub fn fault_spec(&self, kind: &str, spec: mock_provider::FaultSpec) -> Result<(), Invalid> {
        spec.into_fault(std::time::UNIX_EPOCH)
            .map(drop)
            .map_err(|invalid| (format!("{kind}.{}", invalid.field), invalid.message))
    }

    /// `status` is an HTTP status.
    pub fn http_status(&self, field: &str, status: u16) -> Result<(), Invalid> {
        if (100..=599).contains(&status) {
            Ok(())
        } else {
            Err((
                field.to_owned(),
                format!("`{status}` is not an http status"),
            ))
        }
    }
}
