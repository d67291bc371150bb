//! Markdown tables of the side-by-side criterion benches, with each target's
//! measured ratio. A bench that has not been run shows as `not run`, and
//! its target as unknown, never as met.

use std::fmt::Write as _;

use super::estimates::CriterionResults;
use super::{SummaryError, ratio_line};
use crate::results::Counts;

/// Task counts of `cached_token_contention`.
const TASKS: [u32; 5] = [1, 2, 8, 64, 1024];
/// Callers of `refresh_storm`.
const CALLERS: [u32; 4] = [10, 100, 1_000, 10_000];
/// Accounts of the throughput groups.
const ACCOUNTS: u32 = 1_000;

/// Every section, in the order of docs/PERFORMANCE.md.
///
/// # Errors
///
/// When an estimates file exists but cannot be read.
pub fn report(results: &CriterionResults, counts: &[Counts]) -> Result<String, SummaryError> {
    let mut out = String::new();
    out.push_str(&cached_token(results)?);
    out.push_str(&contention(results)?);
    out.push_str(&storm(results, counts)?);
    out.push_str(&throughput(results)?);
    out.push_str(&mock_in_memory(results)?);
    out.push_str(&simulated_day(results)?);
    Ok(out)
}

fn unknown(what: &str) -> String {
    format!("- {what}: **unknown** (not run)\n")
}

fn ns(value: Option<f64>) -> String {
    match value {
        None => "not run".to_owned(),
        Some(v) if v >= 1e6 => format!("{:.1} ms", v / 1e6),
        Some(v) if v >= 1e3 => format!("{:.2} µs", v / 1e3),
        Some(v) => format!("{v:.1} ns"),
    }
}

fn cached_token(results: &CriterionResults) -> Result<String, SummaryError> {
    let mut out = String::from(
        "\n### Cached token, one task\n\n| call | median | yup-oauth2 ÷ it |\n|---|---|---|\n",
    );
    let yup = results.median_ns("cached_token/yup_oauth2")?;
    let mut verdicts = String::new();
    for (name, label) in [
        (
            "reference_by_name",
            "reference `broker.access_token(name).await`",
        ),
        (
            "reference_by_handle",
            "reference `handle.access_token().await`",
        ),
        (
            "reference_by_handle_borrowed",
            "reference `handle.cached_access_token()` (lends the token)",
        ),
        ("yup_oauth2", "yup-oauth2 `token(&scopes).await`"),
    ] {
        let ours = results.median_ns(&format!("cached_token/{name}"))?;
        let ratio = match (yup, ours) {
            (Some(y), Some(o)) => format!("{:.1}x", y / o),
            _ => "n/a".to_owned(),
        };
        let _ = writeln!(out, "| {label} | {} | {ratio} |", ns(ours));
        if name.starts_with("reference") {
            match (yup, ours) {
                (Some(y), Some(o)) => verdicts.push_str(&ratio_line(
                    &format!("yup-oauth2 ÷ {label}"),
                    y / o,
                    20.0,
                    "x",
                )),
                _ => verdicts.push_str(&unknown(label)),
            }
        }
    }
    out.push('\n');
    out.push_str(&verdicts);
    Ok(out)
}

fn contention(results: &CriterionResults) -> Result<String, SummaryError> {
    let mut out = String::from(
        "\n### Cached token under contention (wall time per call over all tasks, 2 workers)\n\n| tasks | reference by name | reference by handle | yup-oauth2 | yup ÷ by name | yup ÷ by handle |\n|---|---|---|---|---|---|\n",
    );
    for tasks in TASKS {
        let of = |name: &str| {
            results.median_ns(&format!("cached_token_contention/{name}/{tasks}_tasks"))
        };
        let (by_name, by_handle, yup) = (
            of("reference_by_name")?,
            of("reference_by_handle")?,
            of("yup_oauth2")?,
        );
        let ratio = |ours: Option<f64>| match (yup, ours) {
            (Some(y), Some(o)) => format!("{:.1}x", y / o),
            _ => "n/a".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {tasks} | {} | {} | {} | {} | {} |",
            ns(by_name),
            ns(by_handle),
            ns(yup),
            ratio(by_name),
            ratio(by_handle)
        );
    }
    Ok(out)
}

fn storm(results: &CriterionResults, counts: &[Counts]) -> Result<String, SummaryError> {
    let mut out = String::from(
        "\n### Refresh storm: N callers on one expired token (in memory, HTTP/1.1 over pipes)\n\n| callers | reference: time | reference: refreshes per iteration | yup-oauth2: time | yup-oauth2: refreshes per iteration (median, min–max) |\n|---|---|---|---|---|\n",
    );
    let counted = |party: &str, callers: u32| {
        let bench = format!("refresh_storm/{party}/{callers}_callers");
        counts.iter().find(|c| c.bench == bench)
    };
    let shown = |c: Option<&Counts>| match c {
        None => "not run".to_owned(),
        Some(c) => {
            let min = c.per_iteration.iter().min().copied().unwrap_or(0);
            let max = c.per_iteration.iter().max().copied().unwrap_or(0);
            format!("{} ({min}–{max})", c.median().unwrap_or(0))
        }
    };
    for callers in CALLERS {
        let time =
            |party: &str| results.median_ns(&format!("refresh_storm/{party}/{callers}_callers"));
        let _ = writeln!(
            out,
            "| {callers} | {} | {} | {} | {} |",
            ns(time("reference")?),
            shown(counted("reference", callers)),
            ns(time("yup_oauth2")?),
            shown(counted("yup_oauth2", callers)),
        );
    }
    out.push('\n');
    match counted("reference", 10_000) {
        Some(c) if !c.per_iteration.is_empty() => {
            let exact = c.per_iteration.iter().all(|&n| n == 1);
            let _ = writeln!(
                out,
                "- reference, 10,000 callers: exactly 1 refresh in every one of {} iterations: **{}**",
                c.per_iteration.len(),
                if exact { "met" } else { "missed" }
            );
        }
        _ => out.push_str(&unknown("reference, 10,000 callers: exactly 1 refresh")),
    }
    Ok(out)
}

fn throughput(results: &CriterionResults) -> Result<String, SummaryError> {
    let mut out = String::from(
        "\n### Refresh throughput: 1,000 distinct accounts due at once\n\n| transport | reference | yup-oauth2 | reference ÷ yup-oauth2 |\n|---|---|---|---|\n",
    );
    for (group, label) in [
        (
            "refresh_throughput_in_memory",
            "in memory (HTTP/1.1 over pipes)",
        ),
        ("refresh_throughput_loopback", "loopback (127.0.0.1)"),
    ] {
        let per_second = |party: &str| -> Result<Option<f64>, SummaryError> {
            Ok(results
                .median_ns(&format!("{group}/{party}/{ACCOUNTS}_accounts"))?
                .map(|ns| f64::from(ACCOUNTS) / (ns / 1e9)))
        };
        let (ours, yup) = (per_second("reference")?, per_second("yup_oauth2")?);
        let show =
            |v: Option<f64>| v.map_or("not run".to_owned(), |v| format!("{v:.0} refreshes/s"));
        let ratio = match (ours, yup) {
            (Some(o), Some(y)) => format!("{:.2}x", o / y),
            _ => "n/a".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {ratio} |",
            show(ours),
            show(yup)
        );
    }
    Ok(out)
}

fn mock_in_memory(results: &CriterionResults) -> Result<String, SummaryError> {
    let mut out = String::from(
        "\n### Mock provider in memory (`router()`, one request at a time)\n\n| request | median | requests/s |\n|---|---|---|\n",
    );
    let rows = [
        (
            "refresh_grant/fresh_provider",
            "refresh grant, new provider per sample",
        ),
        (
            "refresh_grant/3_idle_faults",
            "refresh grant, 3 idle faults mounted",
        ),
        (
            "refresh_grant/long_lived_provider",
            "refresh grant, one provider for all samples",
        ),
        (
            "refresh_grant/journal_1000000",
            "refresh grant, 10^6 entries already journaled",
        ),
        (
            "code_exchange_pkce/authorization_code",
            "code exchange with PKCE (S256)",
        ),
        (
            "gmail_messages_get/format_full",
            "Gmail `messages.get` (format full)",
        ),
    ];
    for (id, label) in rows {
        let median = results.median_ns(id)?;
        let rate = median.map_or("n/a".to_owned(), |ns| format!("{:.0}", 1e9 / ns));
        let _ = writeln!(out, "| {label} | {} | {rate} |", ns(median));
    }
    out.push('\n');
    let empty = results.median_ns("refresh_grant/fresh_provider")?;
    let full = results.median_ns("refresh_grant/journal_1000000")?;
    let control = results.median_ns("refresh_grant/long_lived_provider")?;
    match (empty, full) {
        (Some(e), Some(f)) => {
            let slower = 100.0 * (f / e - 1.0);
            let verdict = if slower <= 10.0 { "met" } else { "missed" };
            let _ = write!(
                out,
                "- 10^6-entry journal vs a fresh provider: {slower:+.1}% (target within 10%): **{verdict}**"
            );
            if let Some(c) = control {
                let _ = write!(
                    out,
                    "; vs the long-lived control: {:+.1}%",
                    100.0 * (f / c - 1.0)
                );
            }
            out.push('\n');
        }
        _ => out.push_str(&unknown(
            "10^6-entry journal within 10% of a fresh provider",
        )),
    }
    Ok(out)
}

fn simulated_day(results: &CriterionResults) -> Result<String, SummaryError> {
    let mut out = String::from("\n### Simulation\n\n");
    match results.median_ns("simulated_day/fleet_3_instances_10_accounts_1000_emails_24h")? {
        Some(day) => {
            let ms = day / 1e6;
            let verdict = if ms < 100.0 { "met" } else { "missed" };
            let _ = writeln!(
                out,
                "- 24 simulated hours, 3 instances, 10 accounts, 1,000 emails: {ms:.1} ms wall (target under 100 ms): **{verdict}**"
            );
        }
        None => out.push_str(&unknown("24 simulated hours under 100 ms")),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results_with(entries: &[(&str, f64)]) -> (tempfile::TempDir, CriterionResults) {
        let dir = tempfile::tempdir().expect("temp dir");
        for (id, median) in entries {
            let bench = dir.path().join(id).join("new");
            std::fs::create_dir_all(&bench).expect("dirs");
            std::fs::write(
                bench.join("estimates.json"),
                format!(r#"{{"median":{{"point_estimate":{median}}}}}"#),
            )
            .expect("write");
        }
        let results = CriterionResults::new(dir.path());
        (dir, results)
    }

    #[test]
    fn the_cached_token_target_is_the_ratio_to_yup_in_the_same_run() {
        let (_dir, results) = results_with(&[
            ("cached_token/yup_oauth2", 200.0),
            ("cached_token/reference_by_name", 20.0),
            ("cached_token/reference_by_handle", 8.0),
        ]);
        let report = cached_token(&results).expect("reads");
        assert!(
            report.contains("access_token(name).await` = 10.0x (target 20x): **missed**"),
            "{report}"
        );
        assert!(report.contains("= 25.0x (target 20x): **met**"), "{report}");
        assert!(
            report.contains("cached_access_token()` (lends the token): **unknown**"),
            "{report}"
        );
    }

    #[test]
    fn nothing_run_is_unknown_never_met() {
        let (_dir, results) = results_with(&[]);
        let report = report(&results, &[]).expect("reads");
        assert!(!report.contains("**met**"), "{report}");
        assert!(report.contains("**unknown**"), "{report}");
    }

    #[test]
    fn one_storm_iteration_with_two_refreshes_misses_the_single_flight_target() {
        let (_dir, results) = results_with(&[]);
        let counts = vec![Counts {
            bench: "refresh_storm/reference/10000_callers".to_owned(),
            what: "refreshes".to_owned(),
            per_iteration: vec![1, 1, 2],
        }];
        let report = storm(&results, &counts).expect("reads");
        assert!(report.contains("3 iterations: **missed**"), "{report}");
        assert!(report.contains("| 1 (1–2) |"), "{report}");
    }

    #[test]
    fn the_journal_target_allows_ten_percent() {
        let (_dir, results) = results_with(&[
            ("refresh_grant/fresh_provider", 10_000.0),
            ("refresh_grant/journal_1000000", 10_900.0),
        ]);
        let report = mock_in_memory(&results).expect("reads");
        assert!(
            report.contains("+9.0% (target within 10%): **met**"),
            "{report}"
        );
    }
}
