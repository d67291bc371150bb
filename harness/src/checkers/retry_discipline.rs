use super::{Checker, Judgement, Violation, capped};
use crate::run::RunRecord;
use crate::scenario::RetryDisciplineParams;
use mock_provider::{GrantId, JournalEntry};

const NAME: &str = "retry_discipline";
/// Failure streaks shorter than this say too little about a backoff schedule.
const MIN_STREAK: usize = 5;
/// How much the second half's mean gap must exceed the first half's.
const GROWTH: f64 = 1.25;

/// How a broker retries refreshes, from the provider's journal, per grant:
///
/// - after `invalid_grant` it does not send that grant's refresh token again;
/// - after an answer carrying `Retry-After` it waits at least that long;
/// - it sends at most `max_refreshes_per_window` refreshes per `rate_window`;
/// - during a streak of transient failures the gaps between attempts grow
///   (compared as means of the streak's halves, so jitter is allowed) until
///   they reach `max_backoff`, unless the answers' `Retry-After` held them.
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
            let Some(wait) = retry_after_of(run, answered) else {
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
                        "grant {grant}: refresh #{} came {} after #{} answered Retry-After: {}",
                        next.seq,
                        super::human_duration(gap),
                        answered.seq,
                        super::human_duration(wait)
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
                        "grant {grant}: {} refreshes within {} (#{}..#{}), over the bound of {max} per {}",
                        max + 1,
                        super::human_duration(span),
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

    /// Backoff must grow across a failure streak. Brokers draw their delays with
    /// jitter (full jitter may make any one gap tiny), so single gaps prove
    /// nothing; the mean gap of the streak's second half must clearly exceed the
    /// first half's, unless it has already reached a quarter of `max_backoff`
    /// (a capped backoff with full jitter averages half its cap), or the
    /// server set the pace: Retry-After is the least the server asks a client
    /// to wait (RFC 9110 §10.2.3), so a correct broker's gaps sit on it until
    /// its own growing backoff rises above it, and a second half whose mean is
    /// within `GROWTH` of the Retry-After its answers carried is honouring the
    /// server, not failing to back off (the rate bound still applies).
    fn backoff(
        &self,
        refreshes: &[&JournalEntry],
        run: &RunRecord,
        grant: &GrantId,
    ) -> Vec<Violation> {
        let transient = |e: &JournalEntry| e.status == 0 || e.status == 429 || e.status >= 500;
        let mut found = Vec::new();
        for streak in refreshes
            .chunk_by(|a, b| transient(a) == transient(b))
            .filter(|run| run.first().is_some_and(|e| transient(e)))
            .filter(|run| run.len() >= MIN_STREAK)
        {
            let gaps: Vec<f64> = streak
                .windows(2)
                .map(|pair| {
                    pair[1]
                        .started_at
                        .duration_since(pair[0].started_at)
                        .unwrap_or_default()
                        .as_secs_f64()
                })
                .collect();
            let half = gaps.len() / 2;
            let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
            let (early, late) = (mean(&gaps[..half]), mean(&gaps[half..]));
            let capped = late >= self.params.max_backoff.as_secs_f64() / 4.0;
            let grew = late > early * GROWTH + self.params.tolerance.as_secs_f64();
            // The Retry-After floor under the second half's gaps (each gap
            // follows the answer at its start).
            let floor = streak[half..streak.len() - 1]
                .iter()
                .filter_map(|answered| retry_after_of(run, answered))
                .max()
                .map_or(0.0, |wait| wait.as_secs_f64());
            let server_paced =
                floor > 0.0 && late <= floor * GROWTH + self.params.tolerance.as_secs_f64();
            if !capped && !grew && !server_paced {
                let (first, last) = (streak[0], streak[streak.len() - 1]);
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "grant {grant}: backoff did not grow during a {}-attempt failure streak (#{}..#{}): mean gap {} in its first half, {} in its second",
                        streak.len(),
                        first.seq,
                        last.seq,
                        super::human_secs(early),
                        super::human_secs(late)
                    ),
                    entries: vec![first.seq, last.seq],
                });
            }
        }
        found
    }
}

impl Checker for RetryDiscipline {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        let by_grant = run.refreshes_by_grant();
        if by_grant.is_empty() {
            return Judgement::unknown("no refresh reached the provider: no retry to judge");
        }
        let mut found = Vec::new();
        for (grant, refreshes) in by_grant {
            found.extend(self.after_invalid_grant(&refreshes, grant));
            found.extend(self.retry_after(&refreshes, run, grant));
            found.extend(self.rate(&refreshes, grant));
            found.extend(self.backoff(&refreshes, run, grant));
        }
        Judgement::from_violations(capped(NAME, found))
    }
}

/// The `Retry-After` of the fault that answered `entry`, if it carried one
/// (read from the timeline's fault windows).
fn retry_after_of(run: &RunRecord, entry: &JournalEntry) -> Option<std::time::Duration> {
    run.faults
        .iter()
        .filter(|w| entry.fault_labels().any(|label| label == w.label))
        .filter(|w| w.mounted_at <= entry.started_at)
        .filter(|w| w.unmounted_at.is_none_or(|end| entry.started_at <= end))
        .find_map(|w| w.retry_after)
}
