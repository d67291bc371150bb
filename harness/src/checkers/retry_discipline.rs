use super::{Checker, Judgement, Violation, capped};
use crate::record::RunRecord;
use crate::scenario::RetryDisciplineParams;
use mock_provider::{GrantId, JournalEntry};
use std::time::Duration;

mod gmail;

const NAME: &str = "retry_discipline";
/// Failure streaks shorter than this say too little about a backoff schedule.
const MIN_STREAK: usize = 5;
/// How much the second half's mean gap must exceed the first half's.
const GROWTH: f64 = 1.25;

/// How a broker retries, from the provider's journal.
///
/// Refreshes, per grant:
///
/// - after `invalid_grant` it does not send that grant's refresh token again;
/// - after an answer carrying `Retry-After` it waits at least that long;
/// - it sends at most `max_refreshes_per_window` refreshes per `rate_window`
///   (per instance: a fleet of N may send N times that);
/// - during a streak of transient failures the gaps between attempts grow
///   (compared as means of the streak's halves, so jitter is allowed) until
///   they reach `max_backoff`, unless the answers' `Retry-After` held them.
///
/// Gmail requests (`gmail.rs`), per account and resource (endpoint and
/// path), with the same two timing rules as refreshes: after a 429 or 5xx
/// that asked for a wait (a `Retry-After` header, or Gmail's message-only
/// `Retry after <RFC 3339>`) the caller's next request for that resource
/// waits for it, and during a streak of 429s and 5xx the gaps grow. Calls
/// of one account that overlap (a sync and a send) are told apart as lanes.
#[derive(Debug, Clone)]
pub struct RetryDiscipline {
    params: RetryDisciplineParams,
}

impl RetryDiscipline {
    /// A checker with these parameters.
    pub fn new(params: RetryDisciplineParams) -> Self {
        Self { params }
    }

    fn after_invalid_grant(
        &self,
        refreshes: &[&JournalEntry],
        grant: &GrantId,
        run: &RunRecord,
    ) -> Vec<Violation> {
        let Some(refused) = refreshes
            .iter()
            // An answer lost on the way (status 0) told the broker nothing.
            .find(|e| e.error.as_deref() == Some("invalid_grant") && e.status != 0)
        else {
            return Vec::new();
        };
        let stepped_back = super::clock_steps::provider_stepped_back(run);
        let later: Vec<&&JournalEntry> = refreshes
            .iter()
            // Once the provider's clock stepped back its times no longer
            // order requests; arrival order (the journal's) still does.
            .filter(|e| {
                e.seq != refused.seq
                    && if stepped_back {
                        e.seq > refused.seq
                    } else {
                        e.started_at >= refused.finished_at
                    }
            })
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

    /// Each attempt after an answer that asked for a wait (`Retry-After`,
    /// or a retry time in the message) came after that wait.
    fn retry_after(
        &self,
        attempts: &[&JournalEntry],
        run: &RunRecord,
        subject: &str,
    ) -> Vec<Violation> {
        let mut found = Vec::new();
        // The journal cannot tell a fleet's instances apart, and a wait is
        // asked of the client that got the answer. Among `instances + 1`
        // attempts in a row two come from one instance, so when each of
        // the first `instances` asked for at least `wait`, the last came
        // at least `wait` after the first answered (one instance: the next).
        let stride = run.instances.max(1) as usize;
        for window in attempts.windows(stride + 1) {
            let (answered, next) = (window[0], window[stride]);
            let Some((wait, asked)) = asked_wait(run, answered) else {
                continue;
            };
            let asked_of_all = window[1..stride]
                .iter()
                .all(|between| asked_wait(run, between).is_some_and(|(w, _)| w >= wait));
            if !asked_of_all {
                continue;
            }
            // Across a fleet the pair may be two instances' requests, so the
            // wait runs from when the first was sent.
            let from = if stride == 1 {
                answered.finished_at
            } else {
                answered.started_at
            };
            let gap = next.started_at.duration_since(from).unwrap_or_default();
            if gap + self.params.tolerance < wait {
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "{subject}: request #{} came {} after #{} answered {} {asked}",
                        next.seq,
                        super::human_duration(gap),
                        answered.seq,
                        answered.status,
                    ),
                    entries: vec![answered.seq, next.seq],
                });
            }
        }
        found
    }

    /// The bound is each broker's: a fleet's instances each keep their own
    /// rate limit, and the journal cannot tell their requests apart, so
    /// `instances` brokers together may send `instances` times the bound.
    fn rate(
        &self,
        refreshes: &[&JournalEntry],
        grant: &GrantId,
        run: &RunRecord,
    ) -> Vec<Violation> {
        let instances = run.instances.max(1) as usize;
        let max = self.params.max_refreshes_per_window as usize * instances;
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
                        "grant {grant}: {} refreshes within {} (#{}..#{}), over the bound of {max} per {}{}",
                        max + 1,
                        super::human_duration(span),
                        first.seq,
                        last.seq,
                        humantime::format_duration(self.params.rate_window),
                        if instances > 1 {
                            format!(
                                " ({} per instance, {instances} instances)",
                                self.params.max_refreshes_per_window
                            )
                        } else {
                            String::new()
                        }
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
        subject: &str,
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
                        "{subject}: backoff did not grow during a {}-attempt failure streak (#{}..#{}): mean gap {} in its first half, {} in its second",
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
        let gmail = gmail::resources(run, self.params.tolerance);
        if by_grant.is_empty() && gmail.is_empty() {
            let unplayed = run.skipped_steps.iter().any(|s| s.capability == "gmail");
            return Judgement::unknown(if unplayed {
                "no refresh reached the provider, and the mail steps were not played (the broker lacks `gmail`): no retry to judge"
            } else {
                "no refresh and no Gmail request reached the provider: no retry to judge"
            });
        }
        let mut found = Vec::new();
        for (grant, refreshes) in by_grant {
            let subject = format!("grant {grant}");
            found.extend(self.after_invalid_grant(&refreshes, grant, run));
            found.extend(self.retry_after(&refreshes, run, &subject));
            found.extend(self.rate(&refreshes, grant, run));
            // A fleet's retries interleave in the journal, which cannot tell
            // whose is whose: growth of one instance's backoff cannot be read
            // from the merged gaps, so it is judged for one instance only.
            if run.instances <= 1 {
                found.extend(self.backoff(&refreshes, run, &subject));
            }
        }
        for resource in gmail {
            found.extend(resource.early);
            for lane in &resource.lanes {
                found.extend(self.backoff(lane, run, &resource.subject));
            }
        }
        Judgement::from_violations(capped(NAME, found))
    }
}

/// The wait `answered` asked for, from the fault that shaped it: its
/// `Retry-After` header, else the retry time its message names (when still
/// ahead), with how it was asked for the report.
fn asked_wait(run: &RunRecord, answered: &JournalEntry) -> Option<(Duration, String)> {
    run.history
        .fault_windows()
        .into_iter()
        .filter(|w| answered.fault_labels().any(|label| label == w.label))
        .filter(|w| w.mounted_at <= answered.started_at)
        .filter(|w| w.unmounted_at.is_none_or(|end| answered.started_at <= end))
        .find_map(|w| {
            if let Some(wait) = w.retry_after {
                return Some((wait, format!("with Retry-After: {}", wait.as_secs())));
            }
            let at = w.retry_at?;
            let wait = at.duration_since(answered.finished_at).ok()?;
            Some((
                wait,
                format!(
                    "\"Retry after {}\" ({:.1}s later)",
                    humantime::format_rfc3339_millis(at),
                    wait.as_secs_f64()
                ),
            ))
        })
}

/// The wait the fault that answered `entry` asked for, if any (read from
/// the timeline's fault windows).
fn retry_after_of(run: &RunRecord, entry: &JournalEntry) -> Option<Duration> {
    asked_wait(run, entry).map(|(wait, _)| wait)
}
