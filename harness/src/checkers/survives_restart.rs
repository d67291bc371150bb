use super::{Checker, Judgement, Violation, capped};
use crate::broker::{Capabilities, FailureKind};
use crate::run::RunRecord;

const NAME: &str = "survives_restart";

/// After a kill -9 and restart, the broker keeps serving every account it
/// served before, with no new consent: no call after the restart fails as
/// revoked or unknown, and no authorization code is exchanged.
#[derive(Debug, Clone, Copy, Default)]
pub struct SurvivesRestart;

impl Checker for SurvivesRestart {
    fn name(&self) -> &'static str {
        NAME
    }

    fn needs(&self) -> Capabilities {
        Capabilities {
            restart: true,
            ..Capabilities::default()
        }
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        let restarts: Vec<_> = run.events.iter().filter(|e| e.kind == "restart").collect();
        if restarts.is_empty() {
            return Judgement::unknown("no instance was restarted during the run");
        }
        let judged = restarts.iter().any(|restart| {
            run.served.iter().any(|before| {
                before.served_at <= restart.at
                    && before.result.is_ok()
                    && run.served.iter().any(|after| {
                        after.requested_at > restart.at && after.account == before.account
                    })
            })
        });
        if !judged {
            return Judgement::unknown(
                "no account was served before a restart and asked for after it",
            );
        }
        let mut found = Vec::new();
        for restart in restarts {
            let served_before: Vec<&str> = run
                .served
                .iter()
                .filter(|s| s.served_at <= restart.at && s.result.is_ok())
                .map(|s| s.account.as_str())
                .collect();
            for served in run.served.iter().filter(|s| s.requested_at > restart.at) {
                let lost = matches!(
                    served.result,
                    Err(FailureKind::Revoked | FailureKind::Other)
                );
                if lost && served_before.contains(&served.account.as_str()) {
                    found.push(Violation {
                        invariant: NAME,
                        message: format!(
                            "{} was served before `{}` but a call {:.1}s after it failed with `{:?}`",
                            served.account,
                            restart.what,
                            served
                                .requested_at
                                .duration_since(restart.at)
                                .unwrap_or_default()
                                .as_secs_f64(),
                            served.result.as_ref().err()
                        ),
                        entries: Vec::new(),
                    });
                }
            }
            for entry in run.journal.iter().filter(|e| {
                e.started_at >= restart.at && e.grant_type.as_deref() == Some("authorization_code")
            }) {
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "#{} exchanged a new authorization code after `{}`: the restart cost the user a consent",
                        entry.seq, restart.what
                    ),
                    entries: vec![entry.seq],
                });
            }
        }
        Judgement::from_violations(capped(NAME, found))
    }
}
