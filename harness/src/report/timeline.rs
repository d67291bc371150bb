//! A failing run as one self-contained HTML page: token lifetimes as bars,
//! refreshes, faults, caller results, status polls, timeline events and
//! violations on one time axis (provider time). Inline SVG and CSS only,
//! so the file can be attached to a ticket and opened anywhere.

use crate::run::{RunOutcome, RunRecord};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::SystemTime;

const WIDTH: f64 = 1200.0;
const LEFT: f64 = 110.0;
const LANE: f64 = 34.0;
/// Caller dots beyond this many are thinned out, so huge herds stay readable.
const MAX_CALL_DOTS: usize = 3000;

const STYLE: &str = "body{font:14px system-ui,sans-serif;margin:24px;color:#222}\
h1{font-size:20px}code,pre{background:#f4f4f4;padding:2px 4px}\
.v{color:#b00020}.legend span{display:inline-block;margin-right:14px}\
.sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}\
svg text{font:11px system-ui,sans-serif}";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

struct Axis {
    start: SystemTime,
    span: f64,
}

impl Axis {
    fn x(&self, at: SystemTime) -> f64 {
        let offset = at
            .duration_since(self.start)
            .map_or(0.0, |d| d.as_secs_f64());
        LEFT + (offset / self.span).clamp(0.0, 1.0) * (WIDTH - LEFT - 10.0)
    }
}

fn axis_of(record: &RunRecord) -> Axis {
    let mut times: Vec<SystemTime> = record.journal.iter().map(|e| e.started_at).collect();
    times.extend(record.started_at);
    times.extend(record.ended_at);
    times.extend(record.served.iter().map(|s| s.served_at));
    let start = times
        .iter()
        .min()
        .copied()
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let end = times.iter().max().copied().unwrap_or(start);
    let span = end
        .duration_since(start)
        .map_or(1.0, |d| d.as_secs_f64())
        .max(1.0);
    Axis { start, span }
}

/// The whole HTML page for one run.
pub fn render_timeline(outcome: &RunOutcome, record: &RunRecord) -> String {
    let axis = axis_of(record);
    let flagged: BTreeSet<u64> = outcome
        .violations
        .iter()
        .flat_map(|v| v.entries.iter().copied())
        .collect();
    let lanes = ["events", "faults", "tokens", "refreshes", "calls", "status"];
    let height = LANE * lanes.len() as f64 + 40.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}">"#
    );
    for (i, lane) in lanes.iter().enumerate() {
        let y = LANE * i as f64 + 20.0;
        let _ = write!(
            svg,
            "<text x=\"4\" y=\"{}\">{lane}</text><line x1=\"{LEFT}\" x2=\"{WIDTH}\" y1=\"{}\" y2=\"{}\" stroke=\"#eee\"/>",
            y + 16.0,
            y + LANE,
            y + LANE
        );
    }
    let lane_y =
        |name: &str| LANE * lanes.iter().position(|l| *l == name).unwrap_or(0) as f64 + 20.0;
    // Timeline events: a dashed line across every lane.
    for event in &record.events {
        let x = axis.x(event.at);
        let _ = write!(
            svg,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"20\" y2=\"{:.1}\" stroke=\"#7a3ea1\" stroke-dasharray=\"4 3\"><title>{}</title></line><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#7a3ea1\">{}</text>",
            height - 20.0,
            escape(&event.what),
            x + 3.0,
            lane_y("events") + 20.0,
            escape(event.kind)
        );
    }
    for window in &record.faults {
        let (x1, x2) = (
            axis.x(window.mounted_at),
            axis.x(window.unmounted_at.unwrap_or(window.mounted_at)),
        );
        let _ = write!(
            svg,
            "<rect x=\"{x1:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"20\" fill=\"#e53935\" fill-opacity=\"0.35\"><title>fault: {}</title></rect>",
            lane_y("faults") + 6.0,
            (x2 - x1).max(2.0),
            escape(&window.label)
        );
    }
    let mut generation = 0;
    for entry in &record.journal {
        if let Some(token) = &entry.issued {
            let (x1, x2) = (axis.x(token.issued_at), axis.x(token.expires_at));
            let y = lane_y("tokens") + 4.0 + f64::from(generation % 3) * 9.0;
            generation += 1;
            let _ = write!(
                svg,
                "<rect x=\"{x1:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"7\" fill=\"#43a047\"><title>token {} issued by #{}</title></rect>",
                (x2 - x1).max(1.0),
                token.fingerprint,
                entry.seq
            );
        }
        let x = axis.x(entry.started_at);
        let color = match entry.status {
            200..=299 => "#43a047",
            400 | 401 => "#b00020",
            _ => "#fb8c00",
        };
        let stroke = if flagged.contains(&entry.seq) {
            " stroke=\"#000\" stroke-width=\"2\""
        } else {
            ""
        };
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"4\" height=\"22\" fill=\"{color}\"{stroke}><title>{}</title></rect>",
            x - 2.0,
            lane_y("refreshes") + 5.0,
            escape(&entry.to_string())
        );
    }
    let step = record.served.len().div_ceil(MAX_CALL_DOTS).max(1);
    for served in record.served.iter().step_by(step) {
        let (color, what) = match &served.result {
            Ok(fingerprint) => ("#90a4ae", format!("served {fingerprint}")),
            Err(kind) => ("#e53935", format!("failed: {kind:?}")),
        };
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{color}\"><title>{} on instance {}: {}</title></circle>",
            axis.x(served.served_at),
            lane_y("calls") + 10.0 + f64::from(served.instance % 3) * 6.0,
            escape(&served.account),
            served.instance,
            escape(&what)
        );
    }
    for sample in &record.status_samples {
        for report in &sample.accounts {
            let color = match report.state.as_str() {
                "ok" => "#43a047",
                "needs_reauth" => "#b00020",
                "degraded" => "#fb8c00",
                _ => "#90a4ae",
            };
            let _ = write!(
                svg,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"5\" height=\"5\" fill=\"{color}\"><title>{}: {}</title></rect>",
                axis.x(sample.at),
                lane_y("status") + 8.0,
                escape(&report.account),
                escape(&report.state)
            );
        }
    }
    let _ = write!(
        svg,
        "<text x=\"{LEFT}\" y=\"{:.1}\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">+{}</text></svg>",
        height - 4.0,
        humantime::format_rfc3339_seconds(axis.start),
        WIDTH - 10.0,
        height - 4.0,
        humantime::format_duration(std::time::Duration::from_secs_f64(axis.span.round()))
    );
    page(outcome, record, &svg)
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
