use super::{Checker, Violation, capped};
use crate::run::RunRecord;
use crate::scenario::RetryDisciplineParams;
use mock_provider::{GrantId, JournalEntry};
use std::collections::BTreeMap;

const NAME: &str = "retry_discipline";

/// How a broker retries refreshes, from the provider's journal, per grant:
///
/// - after `invalid_grant` it does not send that grant's refresh token again;
/// - after an answer carrying `Retry-After` it waits at least that long;
/// - it sends at most `max_refreshes_per_window` refreshes per `rate_window`;
/// - during a streak of transient failures the gap between attempts never
///   shrinks (until it reaches `max_backoff`).
#[derive(Debug, Clone)]
pub struct RetryDiscipline {
    params: RetryDisciplineParams,
}

impl RetryDiscipline {
    /// A checker with these parameters.
    pub fn new(params: RetryDisciplineParams) -> Self {
        Self { params }
    }

    fn after_invalid_grant(&self, refreshes: &[&JournalEntry], grant: &GrantId) -> Vec<Violation> {
        let Some(refused) = refreshes
            .iter()
            .find(|e| e.error.as_deref() == Some("invalid_grant"))
        else {
            return Vec::new();
        };
        let later: Vec<&&JournalEntry> = refreshes
            .iter()
            .filter(|e| e.seq != refused.seq && e.started_at >= refused.finished_at)
            .collect();
        if later.len() <= self.params.attempts_after_invalid_grant as usize {
            return Vec::new();
        }
        let first = later[self.params.attempts_after_invalid_grant as usize];
        vec![Violation {
            invariant: NAME,
            message: format!(
                "grant {grant}: {} refresh(es) sent after #{} answered invalid_grant (first #{}); a refused grant needs the user, not a retry",
                later.len(),
                refused.seq,
                first.seq
            ),
            entries: vec![refused.seq, first.seq],
        }]
    }

    fn retry_after(
        &self,
        refreshes: &[&JournalEntry],
        run: &RunRecord,
        grant: &GrantId,
    ) -> Vec<Violation> {
        let mut found = Vec::new();
        for pair in refreshes.windows(2) {
            let (answered, next) = (pair[0], pair[1]);
            let Some(label) = &answered.fault else {
                continue;
            };
            let Some(wait) = run
                .faults
                .iter()
                .filter(|w| &w.label == label)
                .filter(|w| w.mounted_at <= answered.started_at)
                .filter(|w| w.unmounted_at.is_none_or(|end| answered.started_at <= end))
                .find_map(|w| w.retry_after)
            else {
                continue;
            };
            let gap = next
                .started_at
                .duration_since(answered.finished_at)
                .unwrap_or_default();
            if gap + self.params.tolerance < wait {
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "grant {grant}: refresh #{} came {:.1}s after #{} answered Retry-After: {}",
                        next.seq,
                        gap.as_secs_f64(),
                        answered.seq,
                        wait.as_secs()
                    ),
                    entries: vec![answered.seq, next.seq],
                });
            }
        }
        found
    }

    fn rate(&self, refreshes: &[&JournalEntry], grant: &GrantId) -> Vec<Violation> {
        let max = self.params.max_refreshes_per_window as usize;
        for (i, first) in refreshes.iter().enumerate() {
            let Some(last) = refreshes.get(i + max) else {
                break;
            };
            let span = last
                .started_at
                .duration_since(first.started_at)
                .unwrap_or_default();
            if span < self.params.rate_window {
                return vec![Violation {
                    invariant: NAME,
                    message: format!(
                        "grant {grant}: {} refreshes within {:.1}s (#{}..#{}), over the bound of {max} per {}",
                        max + 1,
                        span.as_secs_f64(),
                        first.seq,
                        last.seq,
                        humantime::format_duration(self.params.rate_window)
                    ),
                    entries: vec![first.seq, last.seq],
                }];
            }
        }
        Vec::new()
    }

    fn backoff(&self, refreshes: &[&JournalEntry], grant: &GrantId) -> Vec<Violation> {
        let transient = |e: &JournalEntry| e.status == 0 || e.status == 429 || e.status >= 500;
        let mut found = Vec::new();
        let mut streak: Vec<&JournalEntry> = Vec::new();
        for entry in refreshes.iter().copied() {
            if transient(entry) {
                streak.push(entry);
                if let [.., a, b, c] = streak.as_slice() {
                    let gap = |x: &JournalEntry, y: &JournalEntry| {
                        y.started_at
                            .duration_since(x.started_at)
                            .unwrap_or_default()
                    };
                    let (before, after) = (gap(a, b), gap(b, c));
                    let shrank = after + self.params.tolerance < before.mul_f64(0.9);
                    if shrank && after < self.params.max_backoff {
                        found.push(Violation {
                            invariant: NAME,
                            message: format!(
                                "grant {grant}: backoff shrank from {:.1}s to {:.1}s during a failure streak (#{} #{} #{})",
                                before.as_secs_f64(),
                                after.as_secs_f64(),
                                a.seq,
                                b.seq,
                                c.seq
                            ),
                            entries: vec![a.seq, b.seq, c.seq],
                        });
                    }
                }
            } else {
                streak.clear();
            }
        }
        found
    }
}

impl Checker for RetryDiscipline {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, run: &RunRecord) -> Vec<Violation> {
        let mut by_grant: BTreeMap<&GrantId, Vec<&JournalEntry>> = BTreeMap::new();
        for entry in run.journal.iter().filter(|e| e.is_refresh()) {
            if let Some(grant) = &entry.grant_id {
                by_grant.entry(grant).or_default().push(entry);
            }
        }
        let mut found = Vec::new();
        for (grant, mut refreshes) in by_grant {
            refreshes.sort_by_key(|e| (e.started_at, e.seq));
            found.extend(self.after_invalid_grant(&refreshes, grant));
            found.extend(self.retry_after(&refreshes, run, grant));
            found.extend(self.rate(&refreshes, grant));
            found.extend(self.backoff(&refreshes, grant));
        }
        capped(NAME, found)
    }
}
