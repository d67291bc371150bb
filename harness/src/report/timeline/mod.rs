//! A failing run as one self-contained HTML page: token lifetimes as bars,
//! refreshes, faults, caller results, status polls, timeline events and
//! violations on one time axis (provider time), plus a close-up of the
//! first violation when it happened in a small part of the run. Inline SVG
//! and CSS only, so the file can be attached to a ticket and opened
//! anywhere.
//!
//! `axis.rs` maps time to pixels and picks tick labels; `chart.rs` draws
//! the lanes over an axis; this file lays out the page.

mod axis;
mod chart;

use crate::run::{RunOutcome, RunRecord};
use axis::Axis;
use chart::chart;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

const STYLE: &str = "body{font:14px system-ui,sans-serif;margin:24px;color:#222}\
h1{font-size:20px}h2{font-size:16px;margin-top:28px}code,pre{background:#f4f4f4;padding:2px 4px}\
li{line-height:1.9}.v{color:#b00020}.legend span{display:inline-block;margin-right:14px}\
.sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}\
svg text{font:11px system-ui,sans-serif}";

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The whole run: from the first to the last thing recorded.
fn full_axis(record: &RunRecord) -> Axis {
    let mut times: Vec<SystemTime> = record.journal.iter().map(|e| e.started_at).collect();
    times.extend(record.started_at);
    times.extend(record.ended_at);
    times.extend(record.history.served().map(|s| s.served_at));
    let start = times
        .iter()
        .min()
        .copied()
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let end = times.iter().max().copied().unwrap_or(start);
    Axis::between(start, end.max(start + Duration::from_secs(1)))
}

/// A close-up of the first violation that names two or more journal
/// entries, when they sit in a small part of the run (a herd of
/// overlapping refreshes is one pixel wide on a three-hour axis).
fn zoom_axis(outcome: &RunOutcome, record: &RunRecord, full: &Axis) -> Option<(Axis, String)> {
    let violation = outcome.violations.iter().find(|v| v.entries.len() >= 2)?;
    let named: Vec<_> = record
        .journal
        .iter()
        .filter(|e| violation.entries.contains(&e.seq))
        .collect();
    let from = named.iter().map(|e| e.started_at).min()?;
    let to = named.iter().map(|e| e.finished_at).max()?;
    let window = to.duration_since(from).unwrap_or_default();
    if window.as_secs_f64() > full.span / 4.0 {
        return None;
    }
    let pad = (window / 4).max(Duration::from_millis(100));
    let start = from.checked_sub(pad).unwrap_or(from);
    Some((
        Axis::between(start, to + pad),
        format!(
            "Close-up: {} (entries {})",
            violation.invariant,
            violation
                .entries
                .iter()
                .map(|seq| format!("#{seq}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

/// The whole HTML page for one run.
pub fn render_timeline(outcome: &RunOutcome, record: &RunRecord) -> String {
    let flagged: BTreeSet<u64> = outcome
        .violations
        .iter()
        .flat_map(|v| v.entries.iter().copied())
        .collect();
    let full = full_axis(record);
    let mut charts = format!("<h2>The whole run</h2>{}", chart(record, &flagged, &full));
    if let Some((zoom, title)) = zoom_axis(outcome, record, &full) {
        let _ = write!(
            charts,
            "<h2>{}</h2>{}",
            escape(&title),
            chart(record, &flagged, &zoom)
        );
    }
    page(outcome, record, &charts)
}

fn page(outcome: &RunOutcome, record: &RunRecord, svg: &str) -> String {
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{name}: {verdict:?}</title><style>{STYLE}</style></head><body>\
<h1>{name} against <code>{broker}</code>: {verdict:?}</h1>\
<p>seed <code>{seed}</code> · mode {mode} · {requests} provider requests · {calls} broker calls · journal <code>{hash}</code></p>\
<p>replay: <code>{replay}</code></p>\
<p class=\"legend\"><span><i class=\"sw\" style=\"background:#43a047\"></i>token lifetime / 2xx</span>\
<span><i class=\"sw\" style=\"background:#fb8c00\"></i>429 / 5xx</span>\
<span><i class=\"sw\" style=\"background:#b00020\"></i>400 / 401 (invalid_grant)</span>\
<span><i class=\"sw\" style=\"background:#546e7a\"></i>no answer (dropped, timed out)</span>\
<span><i class=\"sw\" style=\"background:#90a4ae\"></i>call served</span>\
<span><i class=\"sw\" style=\"background:#e53935\"></i>call failed</span>\
<span><i class=\"sw\" style=\"background:#e53935;opacity:.35\"></i>fault mounted</span>\
<span><i class=\"sw\" style=\"background:#7a3ea1\"></i>timeline event</span>\
<span>black outline: named by a violation</span> · hover for details</p>{svg}<h2>Violations</h2><ul>",
        name = escape(&outcome.scenario),
        broker = escape(&outcome.broker),
        verdict = outcome.verdict,
        seed = outcome.seed,
        mode = outcome.mode,
        requests = outcome.requests,
        calls = outcome.calls,
        hash = &outcome.journal_hash[..outcome.journal_hash.len().min(16)],
        replay = escape(&outcome.replay_command()),
    );
    for violation in &outcome.violations {
        let _ = write!(
            html,
            "<li class=\"v\"><b>{}</b>: {}<ul>",
            violation.invariant,
            escape(&violation.message)
        );
        for seq in &violation.entries {
            if let Some(entry) = record.journal.iter().find(|e| e.seq == *seq) {
                let _ = write!(html, "<li><code>{}</code></li>", escape(&entry.to_string()));
            }
        }
        html.push_str("</ul></li>");
    }
    html.push_str("</ul></body></html>\n");
    html
}
