//! The human summary of an exploration.

use super::explorer::ExploreReport;
use std::fmt::Write as _;

/// Cases run, failures found by invariant, and each shrunk file.
pub fn render_summary(report: &ExploreReport, broker: &str, master_seed: u64) -> String {
    let mut text = String::new();
    let rate = report.cases as f64 / report.case_time.as_secs_f64().max(1e-9);
    let _ = writeln!(
        text,
        "explore: {} cases against `{broker}` (seed {master_seed}) in {:.1}s ({rate:.0} cases/s), shrinking {:.1}s",
        report.cases,
        report.case_time.as_secs_f64(),
        report.shrink_time.as_secs_f64()
    );
    let _ = writeln!(
        text,
        "  failed: {}   unknown: {}   with a moot invariant judged by its expectation: {}",
        report.failed, report.unknown, report.moot
    );
    if report.not_applicable > 0 {
        let _ = writeln!(
            text,
            "  NOT APPLICABLE: {} case(s) could not run against this broker here (none counts as passed); the first: {}",
            report.not_applicable,
            report
                .not_applicable_why
                .as_deref()
                .unwrap_or("no reason given")
        );
    }
    for (invariant, count) in &report.failures_by_invariant {
        let _ = writeln!(text, "  {invariant}: {count} failing case(s)");
    }
    if !report.nondeterministic.is_empty() {
        let seeds: Vec<String> = report
            .nondeterministic
            .iter()
            .map(ToString::to_string)
            .collect();
        let _ = writeln!(
            text,
            "  NOT DETERMINISTIC: two runs journaled differently for case seed(s) {}",
            seeds.join(", ")
        );
    }
    for finding in &report.findings {
        let _ = writeln!(
            text,
            "\n{} (case {}, seed {}): shrunk {} -> {} steps in {} replays",
            finding.invariant,
            finding.case,
            finding.seed,
            finding.steps.0,
            finding.steps.1,
            finding.replays
        );
        for line in &finding.witness {
            let _ = writeln!(text, "  {line}");
        }
        match &finding.file {
            Some(path) => {
                let _ = writeln!(
                    text,
                    "  written: {}\n  replay:  oauth-chaos run {} --broker {broker}",
                    path.display(),
                    path.display()
                );
            }
            None => {
                let _ = writeln!(text, "  (not written: pass --out DIR to keep the file)");
            }
        }
    }
    text
}
