//! What a scenario needs from the machine besides a broker: libfaketime to
//! move a process broker's wall clock, PostgreSQL for `store = "postgres"`.
//!
//! When something is missing the scenario is `not_applicable` with a note
//! naming what to install, except under `CI=true`, where a skip would hide
//! a missing install step and the run fails instead (shared/DESIGN.md §8).

use crate::scenario::{Action, ClockOwner, Scenario};

/// True when the timeline moves a broker's wall clock (`skew_clock` or
/// `jump_clock` of `broker` or `all`).
pub(super) fn moves_broker_clocks(scenario: &Scenario) -> bool {
    scenario.timeline.iter().any(|step| {
        let owner = match &step.get_ref().action {
            Action::SkewClock(skew) => skew.of,
            Action::JumpClock(jump) => jump.of,
            _ => return false,
        };
        matches!(owner, ClockOwner::Broker | ClockOwner::All)
    })
}

/// True under `CI=true`: missing requirements fail instead of skipping.
pub fn required_by_ci() -> bool {
    std::env::var("CI").is_ok_and(|ci| ci == "true")
}

/// The longest run a process broker plays at wall speed throughout when
/// libfaketime is missing (no quiet stretch can then be skipped).
const LONGEST_UNSKIPPED: std::time::Duration = std::time::Duration::from_secs(60);

/// Why a process broker cannot run `scenario` on this machine, if it cannot.
pub(super) fn missing_for_process(scenario: &Scenario) -> Option<String> {
    let long = scenario.duration > LONGEST_UNSKIPPED;
    if (long || moves_broker_clocks(scenario)) && crate::broker::libfaketime().is_none() {
        return Some(crate::broker::MISSING_LIBFAKETIME.to_owned());
    }
    None
}
