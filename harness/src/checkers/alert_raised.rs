use super::{Checker, Judgement, Violation, capped};
use crate::broker::Capabilities;
use crate::record::RunRecord;
use crate::scenario::AlertRaisedParams;
use std::time::SystemTime;

const NAME: &str = "alert_raised";

/// The alert an operator acts on.
pub const EXPIRING_WITH_FAILURES: &str = "expiring_with_failures";

/// When an account's last issued token is within `warning` of expiry and
/// its last `failures` refresh requests all failed (no success since), some
/// instance's `status()` says `alert = "expiring_with_failures"` for it
/// within `within`. The moment the condition first holds is read from the
/// provider's journal: the later of "the token entered the warning window"
/// and "the `failures`-th failed refresh finished".
///
/// Unknown without status samples, when the condition never held, or when
/// the run ended before a bound ran out.
#[derive(Debug, Clone)]
pub struct AlertRaised {
    params: AlertRaisedParams,
}

impl AlertRaised {
    /// A checker with these parameters.
    pub fn new(params: AlertRaisedParams) -> Self {
        Self { params }
    }

    /// Per account, the first moment the alert was due, with the journal
    /// entries (the issuing refresh and the failures) that make it due.
    fn due(&self, run: &RunRecord) -> Vec<(String, SystemTime, Vec<u64>)> {
        let mut accounts: Vec<&String> = run
            .journal
            .iter()
            .filter(|e| e.is_refresh())
            .filter_map(|e| e.account.as_ref())
            .collect();
        accounts.sort();
        accounts.dedup();
        let mut due = Vec::new();
        for account in accounts {
            let mut issued: Option<(u64, SystemTime)> = None;
            let mut failed: Vec<(u64, SystemTime)> = Vec::new();
            for entry in run
                .journal
                .iter()
                .filter(|e| e.is_refresh() && e.account.as_ref() == Some(account))
            {
                if let Some(token) = &entry.issued {
                    issued = Some((entry.seq, token.expires_at));
                    failed.clear();
                    continue;
                }
                failed.push((entry.seq, entry.finished_at));
                let Some((issued_seq, expires_at)) = issued else {
                    continue;
                };
                if failed.len() < self.params.failures.max(1) as usize {
                    continue;
                }
                let window = expires_at
                    .checked_sub(self.params.warning)
                    .unwrap_or(SystemTime::UNIX_EPOCH);
                let at = window.max(entry.finished_at);
                let mut entries = vec![issued_seq];
                entries.extend(failed.iter().map(|(seq, _)| *seq));
                due.push((account.clone(), at, entries));
                break;
            }
        }
        due
    }
}

impl Checker for AlertRaised {
    fn name(&self) -> &'static str {
        NAME
    }

    fn needs(&self) -> Capabilities {
        Capabilities::STATUS
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        if run.history.status_samples().next().is_none() {
            return Judgement::unknown("no status() sample was taken");
        }
        let due = self.due(run);
        if due.is_empty() {
            return Judgement::unknown(
                "no account was near expiry with repeated refresh failures: nothing to judge",
            );
        }
        let mut found = Vec::new();
        let mut judged = 0;
        for (account, at, entries) in due {
            let deadline = at + self.params.within;
            let Some(judge) = run.history.status_samples().find(|s| s.at >= deadline) else {
                continue; // the run ended before the bound ran out
            };
            judged += 1;
            let raised = run
                .history
                .status_samples()
                .filter(|s| s.answered_at >= at && s.at <= judge.at)
                .any(|s| {
                    s.accounts.iter().any(|a| {
                        a.account == account && a.alert.as_deref() == Some(EXPIRING_WITH_FAILURES)
                    })
                });
            if !raised {
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "{account}: near expiry with {} failed refreshes in a row (#{}), but no status() within {} raised `{EXPIRING_WITH_FAILURES}`",
                        entries.len() - 1,
                        entries.last().copied().unwrap_or_default(),
                        humantime::format_duration(self.params.within)
                    ),
                    entries,
                });
            }
        }
        if judged == 0 {
            return Judgement::unknown("the run ended before any alert bound ran out");
        }
        Judgement::from_violations(capped(NAME, found))
    }
}
