//! Which broker capabilities a scenario needs (each step kind names its
//! own: `StepKind::NEEDS` in `crate::steps`). A step whose
//! capability the broker lacks is skipped (and recorded as such), and the
//! invariants that judge it are unknown; the rest of the run still counts.

use crate::broker::Capabilities;
use crate::scenario::Scenario;

/// Every capability a scenario uses: what its steps and its invariants
/// need. A broker lacking some still runs it; only the invariants that
/// need the missing ones are unknown.
pub fn needed_capabilities(scenario: &Scenario) -> Capabilities {
    let mut names: Vec<&str> = vec!["access_token"];
    for checker in crate::checkers::checkers_for(&scenario.invariants) {
        names.extend(checker.needs().names());
    }
    for step in &scenario.timeline {
        if let Some(capability) = step.get_ref().action.needs() {
            names.push(capability);
            if capability == "mail_hooks" || capability == "crash_points" {
                names.push("gmail");
            }
        }
    }
    Capabilities::from_names(names)
}
