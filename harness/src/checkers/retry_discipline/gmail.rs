//! Gmail's side of `retry_discipline`: which request retried which, from
//! the journal, so the token endpoint's timing rules apply to Gmail too.
//!
//! A resource is one account's endpoint at one path (a `messages.get` of
//! one message, that account's `history`, its `messages/send`): a broker
//! that retries a 429 sends the same request again. Several calls of one
//! account may wait on the same resource at once (a sync and two sends all
//! look in Sent), so the requests of a resource are split into lanes, one
//! per caller: a request joins a lane whose last answer's asked wait is
//! over; when none is and fewer lanes exist than the account had mail calls
//! in flight, it opens a new one (another caller's first try); otherwise it
//! came inside a wait the broker was told to honour, which is a violation.
//! The backoff rule then runs on each lane, the token endpoint's function.

use super::{NAME, Violation, asked_wait};
use crate::record::RunRecord;
use mock_provider::JournalEntry;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

/// One resource's requests split into lanes, and the requests that came
/// inside an asked wait.
#[derive(Debug)]
pub(super) struct Resource<'r> {
    /// How reports name it: ``gmail_history `/gmail/v1/users/me/history` for alice``.
    pub subject: String,
    /// Each caller's requests in order.
    pub lanes: Vec<Vec<&'r JournalEntry>>,
    /// Requests sent before the wait an earlier answer asked for was over.
    pub early: Vec<Violation>,
}

struct Lane<'r> {
    entries: Vec<&'r JournalEntry>,
    /// When the last answer's asked wait is over (its finish without one).
    free_at: SystemTime,
}

/// Every Gmail resource of `run`, split into lanes.
pub(super) fn resources(run: &RunRecord, tolerance: Duration) -> Vec<Resource<'_>> {
    let mut by_resource: BTreeMap<(String, String), Vec<&JournalEntry>> = BTreeMap::new();
    for entry in run.journal.iter().filter(|e| e.endpoint.is_gmail()) {
        let account = entry.account.clone().unwrap_or_default();
        let key = (
            account,
            format!("{} `{}`", entry.endpoint, entry.request.path),
        );
        by_resource.entry(key).or_default().push(entry);
    }
    by_resource
        .into_iter()
        .map(|((account, resource), mut requests)| {
            requests.sort_by_key(|e| (e.started_at, e.seq));
            let shown = if account.is_empty() {
                "an unknown account"
            } else {
                &account
            };
            let subject = format!("{resource} for {shown}");
            split(run, &account, subject, &requests, tolerance)
        })
        .collect()
}

fn split<'r>(
    run: &'r RunRecord,
    account: &str,
    subject: String,
    requests: &[&'r JournalEntry],
    tolerance: Duration,
) -> Resource<'r> {
    let mut lanes: Vec<Lane<'r>> = Vec::new();
    let mut early = Vec::new();
    for &request in requests {
        let arrived = request.started_at + tolerance;
        // The lane freed most recently: a tight loop stays in its own lane.
        let free = (0..lanes.len())
            .filter(|&i| lanes[i].free_at <= arrived)
            .max_by_key(|&i| lanes[i].free_at);
        let callers = run
            .email
            .calls_in_flight(account, request.started_at)
            .max(1);
        let index = match free {
            Some(index) => index,
            None if lanes.len() < callers => {
                lanes.push(Lane {
                    entries: Vec::new(),
                    free_at: request.started_at,
                });
                lanes.len() - 1
            }
            None => {
                let index = (0..lanes.len())
                    .min_by_key(|&i| lanes[i].free_at)
                    .unwrap_or_default();
                if let Some(&answered) = lanes[index].entries.last() {
                    early.push(came_early(&subject, run, answered, request, callers));
                }
                index
            }
        };
        let lane = &mut lanes[index];
        lane.entries.push(request);
        lane.free_at =
            request.finished_at + asked_wait(run, request).map_or(Duration::ZERO, |w| w.0);
    }
    Resource {
        subject,
        lanes: lanes.into_iter().map(|lane| lane.entries).collect(),
        early,
    }
}

fn came_early(
    subject: &str,
    run: &RunRecord,
    answered: &JournalEntry,
    next: &JournalEntry,
    callers: usize,
) -> Violation {
    let gap = next
        .started_at
        .duration_since(answered.finished_at)
        .unwrap_or_default();
    let asked = asked_wait(run, answered).map_or_else(String::new, |(_, asked)| asked);
    Violation {
        invariant: NAME,
        message: format!(
            "{subject}: request #{} came {:.1}s after #{} answered {} {asked}, with {callers} mail call(s) in flight",
            next.seq,
            gap.as_secs_f64(),
            answered.seq,
            answered.status,
        ),
        entries: vec![answered.seq, next.seq],
    }
}
