use super::{Checker, Violation, capped};
use crate::run::RunRecord;

const NAME: &str = "broker_responsive";

/// Always checked: the broker answered every call (no timeout), did not
/// crash, and spoke the protocol (no bad JSON, no answer to an unknown id).
#[derive(Debug, Clone, Copy, Default)]
pub struct BrokerResponsive;

impl Checker for BrokerResponsive {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, run: &RunRecord) -> Vec<Violation> {
        let mut found: Vec<Violation> = run
            .broker_problems
            .iter()
            .map(|problem| Violation {
                invariant: NAME,
                message: problem.clone(),
                entries: Vec::new(),
            })
            .collect();
        for served in &run.served {
            if let Err(kind) = served.result
                && kind.is_broker_fault()
            {
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "access_token({}) on instance {} failed with `{kind:?}`",
                        served.account, served.instance
                    ),
                    entries: Vec::new(),
                });
            }
        }
        capped(NAME, found)
    }
}
