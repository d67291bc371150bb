//! Human-readable reports of run outcomes.

use crate::run::{RunOutcome, RunRecord, Verdict};
use std::fmt::Write as _;

/// How many journal entries a failure prints per violation.
const ENTRIES_PER_VIOLATION: usize = 4;

/// One scenario's result as text: a verdict line, and for a failure every
/// violation with its journal entries, the seed and the replay command.
pub fn render_outcome(outcome: &RunOutcome, record: &RunRecord) -> String {
    let mut text = String::new();
    let label = verdict_label(outcome.verdict);
    let _ = writeln!(
        text,
        "{label}  {}  [{}]  seed={}  requests={}  calls={}  simulated={}  wall={:.3}s  journal={}",
        outcome.scenario,
        outcome.broker,
        outcome.seed,
        outcome.requests,
        outcome.calls,
        humantime::format_duration(outcome.simulated),
        outcome.wall_time.as_secs_f64(),
        &outcome.journal_hash[..outcome.journal_hash.len().min(16)],
    );
    if let Some(note) = &outcome.note {
        let _ = writeln!(text, "      {note}");
    }
    for violation in &outcome.violations {
        let _ = writeln!(text, "      {}: {}", violation.invariant, violation.message);
        for seq in violation.entries.iter().take(ENTRIES_PER_VIOLATION) {
            if let Some(entry) = record.journal.iter().find(|e| e.seq == *seq) {
                let _ = writeln!(text, "        {entry}");
            }
        }
    }
    if outcome.verdict == Verdict::Failed {
        let _ = writeln!(text, "      seed: {}", outcome.seed);
        let _ = writeln!(text, "      replay: {}", outcome.replay_command());
    }
    text
}

/// A table with one row per scenario, then the closing summary line.
pub fn render_summary_table(outcomes: &[RunOutcome]) -> String {
    let width = outcomes
        .iter()
        .map(|o| o.scenario.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{:<6} {:<width$} {:<4} {:>8} {:>8} {:>8}  violated",
        "result", "scenario", "mode", "requests", "calls", "wall"
    );
    for outcome in outcomes {
        let mut violated: Vec<&str> = outcome.violations.iter().map(|v| v.invariant).collect();
        violated.dedup();
        let _ = writeln!(
            text,
            "{:<6} {:<width$} {:<4} {:>8} {:>8} {:>7.2}s  {}",
            verdict_label(outcome.verdict).trim(),
            outcome.scenario,
            outcome.mode,
            outcome.requests,
            outcome.calls,
            outcome.wall_time.as_secs_f64(),
            if violated.is_empty() {
                "-".to_owned()
            } else {
                violated.join(", ")
            }
        );
    }
    text.push_str(&render_summary(outcomes));
    text
}

fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Passed => "PASS",
        Verdict::Failed => "FAIL",
        Verdict::NotApplicable => "N/A ",
    }
}

/// The closing summary line.
pub fn render_summary(outcomes: &[RunOutcome]) -> String {
    let count = |v: Verdict| outcomes.iter().filter(|o| o.verdict == v).count();
    format!(
        "scenarios: {} passed, {} failed, {} not applicable",
        count(Verdict::Passed),
        count(Verdict::Failed),
        count(Verdict::NotApplicable)
    )
}
