//! The minimal witness of a failure: the few violation messages, journal
//! entries and caller results that prove it, as Jepsen's checkers print
//! the smallest anomaly rather than the whole history.

use super::case::PlayedCase;
use std::collections::BTreeSet;

/// Most lines of each kind in a witness.
const MOST: usize = 6;

/// The witness of `invariant` failing in `case`, one line each.
pub fn witness(case: &PlayedCase, invariant: &str) -> Vec<String> {
    let violations: Vec<_> = case
        .outcome
        .violations
        .iter()
        .filter(|v| v.invariant == invariant)
        .collect();
    let mut lines: Vec<String> = violations
        .iter()
        .take(3)
        .map(|v| format!("violation: {}", v.message))
        .collect();
    let seqs: BTreeSet<u64> = violations
        .iter()
        .flat_map(|v| v.entries.iter().copied())
        .collect();
    let entries: Vec<_> = case
        .record
        .journal
        .iter()
        .filter(|e| seqs.contains(&e.seq))
        .take(MOST)
        .collect();
    for entry in &entries {
        lines.push(format!("journal {entry}"));
    }
    // The caller results around the anomaly (or the first failed ones).
    let window = entries
        .iter()
        .map(|e| e.started_at)
        .min()
        .zip(entries.iter().map(|e| e.finished_at).max());
    let calls = case.record.history.served().filter(|call| match window {
        Some((from, to)) => {
            call.served_at + std::time::Duration::from_secs(1) >= from
                && call.requested_at <= to + std::time::Duration::from_secs(1)
        }
        None => call.result.is_err(),
    });
    let start = case.record.started_at;
    for call in calls.take(MOST / 2) {
        let at = start
            .and_then(|s| call.requested_at.duration_since(s).ok())
            .map_or_else(String::new, |d| {
                format!("+{} ", humantime::format_duration(truncate_ms(d)))
            });
        let result = match &call.result {
            Ok(fingerprint) => format!("served {fingerprint}"),
            Err(kind) => format!("failed `{}`", kind.name()),
        };
        lines.push(format!(
            "call {at}access_token({}) on instance {}: {result}",
            call.account, call.instance
        ));
    }
    lines
}

fn truncate_ms(duration: std::time::Duration) -> std::time::Duration {
    std::time::Duration::from_millis(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}
