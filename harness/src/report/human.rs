//! Human-readable reports of run outcomes.

use crate::run::{RunOutcome, RunRecord, Verdict};
use std::fmt::Write as _;

/// How many journal entries a failure prints per violation.
const ENTRIES_PER_VIOLATION: usize = 4;

/// One scenario's result as text: a verdict line with the calls served and
/// failed by kind, every invariant that could not be judged with its
/// reason, steps skipped for a missing capability, and for a failure every
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
        calls_by_result(outcome),
        humantime::format_duration(outcome.simulated),
        outcome.wall_time.as_secs_f64(),
        &outcome.journal_hash[..outcome.journal_hash.len().min(16)],
    );
    if let Some(note) = &outcome.note {
        let _ = writeln!(text, "      {note}");
    }
    if let Some(fleet) = &outcome.fleet {
        let _ = writeln!(text, "      fleet: {fleet}");
    }
    for skipped in &outcome.skipped_steps {
        let _ = writeln!(
            text,
            "      skipped {} `{}` step(s): the broker lacks `{}`",
            skipped.count, skipped.kind, skipped.capability
        );
    }
    for result in &outcome.invariants {
        if let Some(reason) = result.judgement.reason() {
            let always = if result.named { "" } else { " (always on)" };
            let _ = writeln!(text, "      unknown {}{always}: {reason}", result.invariant);
        }
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
        "{:<6} {:<width$} {:<4} {:>8} {:>7} {:>7} {:>8}  violated / unknown",
        "result", "scenario", "mode", "requests", "served", "failed", "wall"
    );
    for outcome in outcomes {
        let mut violated: Vec<&str> = outcome.violations.iter().map(|v| v.invariant).collect();
        violated.dedup();
        let unknown: Vec<String> = outcome
            .unknowns()
            .into_iter()
            .map(|(invariant, _)| format!("{invariant}?"))
            .collect();
        let served = outcome.calls_by_result.get("served").copied().unwrap_or(0);
        let listed: Vec<String> = violated
            .iter()
            .map(|v| (*v).to_owned())
            .chain(unknown)
            .collect();
        let _ = writeln!(
            text,
            "{:<6} {:<width$} {:<4} {:>8} {:>7} {:>7} {:>7.2}s  {}",
            verdict_label(outcome.verdict).trim(),
            outcome.scenario,
            outcome.mode,
            outcome.requests,
            served,
            outcome.calls - served,
            outcome.wall_time.as_secs_f64(),
            if listed.is_empty() {
                "-".to_owned()
            } else {
                listed.join(", ")
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
        Verdict::Unknown => "UNKN",
        Verdict::NotApplicable => "N/A ",
    }
}

/// The closing summary: scenarios by verdict, invariants judged unknown,
/// and `access_token` calls by result.
pub fn render_summary(outcomes: &[RunOutcome]) -> String {
    let count = |v: Verdict| outcomes.iter().filter(|o| o.verdict == v).count();
    let unknown: usize = outcomes.iter().map(|o| o.unknowns().len()).sum();
    let mut calls: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for outcome in outcomes {
        for (result, n) in &outcome.calls_by_result {
            *calls.entry(result).or_insert(0) += n;
        }
    }
    let calls: Vec<String> = calls.iter().map(|(k, n)| format!("{n} {k}")).collect();
    format!(
        "scenarios: {} passed, {} failed, {} unknown, {} not applicable; invariants unknown: {unknown}; calls: {}",
        count(Verdict::Passed),
        count(Verdict::Failed),
        count(Verdict::Unknown),
        count(Verdict::NotApplicable),
        if calls.is_empty() {
            "none".to_owned()
        } else {
            calls.join(", ")
        }
    )
}

/// `2000 (1990 served, 10 transient)`.
fn calls_by_result(outcome: &RunOutcome) -> String {
    if outcome.calls_by_result.is_empty() {
        return outcome.calls.to_string();
    }
    let parts: Vec<String> = outcome
        .calls_by_result
        .iter()
        .map(|(result, n)| format!("{n} {result}"))
        .collect();
    format!("{} ({})", outcome.calls, parts.join(", "))
}
