use super::{Checker, Judgement, Violation, capped};
use crate::record::RunRecord;

const NAME: &str = "broker_responsive";

/// Always checked: the broker answered every call (no timeout), did not
/// crash, and spoke the protocol (no bad JSON, no answer to an unknown id).
#[derive(Debug, Clone, Copy, Default)]
pub struct BrokerResponsive;

impl Checker for BrokerResponsive {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        let calls = run.history.served().count()
            + run.history.status_samples().count()
            + run.email.syncs.len()
            + run.email.sends.len()
            + run.auth.authorize_requests.len();
        if calls == 0 && run.broker_problems.is_empty() {
            return Judgement::unknown("the run made no call to the broker");
        }
        let mut found: Vec<Violation> = run
            .broker_problems
            .iter()
            .map(|problem| Violation {
                invariant: NAME,
                message: problem.clone(),
                entries: Vec::new(),
            })
            .collect();
        for served in run.history.served() {
            if let Err(kind) = served.result
                && kind.is_broker_fault()
            {
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "access_token({}) on instance {} failed with `{}`",
                        served.account,
                        served.instance,
                        kind.name()
                    ),
                    entries: Vec::new(),
                });
            }
        }
        Judgement::from_violations(capped(NAME, found))
    }
}
