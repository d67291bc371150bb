use super::model::Scenario;
use crate::steps::Action;
use std::time::Duration;

/// One action at one moment of a run.
#[derive(Debug, Clone)]
pub struct TimedAction {
    /// When, from the start of the run.
    pub at: Duration,
    /// Index of the step in the file (ties at the same moment keep file order).
    pub step: usize,
    /// What to do.
    pub action: Action,
}

/// Expands every step (repeats included) into timed actions, in time order.
///
/// ```
/// let s = harness::scenario::parse_scenario(r#"
/// name = "x"
/// duration = "3h"
/// [[timeline]]
/// at = "30m"
/// every = "1h"
/// action.token_requests = { account = "alice@example.com", callers = 1 }
/// "#, "x.toml").unwrap();
/// let times: Vec<u64> = harness::scenario::expand_timeline(&s).iter().map(|a| a.at.as_secs() / 60).collect();
/// assert_eq!(times, vec![30, 90, 150]);
/// ```
pub fn expand_timeline(scenario: &Scenario) -> Vec<TimedAction> {
    let mut actions = Vec::new();
    for (index, spanned) in scenario.timeline.iter().enumerate() {
        let step = spanned.get_ref();
        let until = step
            .until
            .unwrap_or(scenario.duration)
            .min(scenario.duration);
        let mut at = step.at;
        loop {
            actions.push(TimedAction {
                at,
                step: index,
                action: step.action.clone(),
            });
            match step.every {
                Some(every) if at + every <= until => at += every,
                _ => break,
            }
        }
    }
    actions.sort_by_key(|a| (a.at, a.step));
    actions
}
