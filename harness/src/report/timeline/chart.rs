//! One SVG chart of a run over an [`Axis`]: lanes for timeline events,
//! faults, token lifetimes, provider requests, caller results and status
//! polls. What falls outside the axis's window is left out, so the same
//! chart drawn over a narrow window is a zoom.

use super::axis::{Axis, LEFT, WIDTH};
use super::escape;
use crate::run::RunRecord;
use std::collections::BTreeSet;
use std::fmt::Write as _;

const LANE: f64 = 34.0;
const LANES: [&str; 6] = ["events", "faults", "tokens", "requests", "calls", "status"];
/// Caller dots beyond this many are thinned out, so huge herds stay readable.
const MAX_CALL_DOTS: usize = 3000;

fn lane_y(name: &str) -> f64 {
    LANE * LANES.iter().position(|l| *l == name).unwrap_or(0) as f64 + 20.0
}

/// The chart of `record` over `axis`; entries in `flagged` get a black
/// outline (a violation names them).
pub(super) fn chart(record: &RunRecord, flagged: &BTreeSet<u64>, axis: &Axis) -> String {
    let height = LANE * LANES.len() as f64 + 44.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}">"#
    );
    for lane in LANES {
        let y = lane_y(lane);
        let _ = write!(
            svg,
            "<text x=\"4\" y=\"{}\">{lane}</text><line x1=\"{LEFT}\" x2=\"{WIDTH}\" y1=\"{}\" y2=\"{}\" stroke=\"#eee\"/>",
            y + 16.0,
            y + LANE,
            y + LANE
        );
    }
    events(&mut svg, record, axis, height);
    faults(&mut svg, record, axis);
    journal(&mut svg, record, flagged, axis);
    calls(&mut svg, record, axis);
    status(&mut svg, record, axis);
    ticks(&mut svg, axis, height);
    svg.push_str("</svg>");
    svg
}

fn events(svg: &mut String, record: &RunRecord, axis: &Axis, height: f64) {
    // A dashed line across every lane.
    for event in record.history.timeline().filter(|e| axis.contains(e.at)) {
        let x = axis.x(event.at);
        let _ = write!(
            svg,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"20\" y2=\"{:.1}\" stroke=\"#7a3ea1\" stroke-dasharray=\"4 3\"><title>{}</title></line><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#7a3ea1\">{}</text>",
            height - 24.0,
            escape(&event.what),
            x + 3.0,
            lane_y("events") + 20.0,
            escape(event.kind)
        );
    }
}

fn faults(svg: &mut String, record: &RunRecord, axis: &Axis) {
    let end = record.ended_at.unwrap_or(axis.start);
    for window in record.history.fault_windows() {
        let until = window.unmounted_at.unwrap_or(end.max(window.mounted_at));
        if !axis.overlaps(window.mounted_at, until) {
            continue;
        }
        let (x1, x2) = (axis.x(window.mounted_at), axis.x(until));
        let _ = write!(
            svg,
            "<rect x=\"{x1:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"20\" fill=\"#e53935\" fill-opacity=\"0.35\"><title>fault: {}</title></rect>",
            lane_y("faults") + 6.0,
            (x2 - x1).max(2.0),
            escape(&window.label)
        );
    }
}

fn journal(svg: &mut String, record: &RunRecord, flagged: &BTreeSet<u64>, axis: &Axis) {
    for (generation, entry) in record
        .journal
        .iter()
        .filter(|e| e.issued.is_some())
        .enumerate()
    {
        let Some(token) = &entry.issued else { continue };
        if !axis.overlaps(token.issued_at, token.expires_at) {
            continue;
        }
        let (x1, x2) = (axis.x(token.issued_at), axis.x(token.expires_at));
        let y = lane_y("tokens") + 4.0 + (generation % 3) as f64 * 9.0;
        let _ = write!(
            svg,
            "<rect x=\"{x1:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"7\" fill=\"#43a047\"><title>token {} issued by #{}, expires {}</title></rect>",
            (x2 - x1).max(1.0),
            token.fingerprint,
            entry.seq,
            humantime::format_rfc3339_millis(token.expires_at)
        );
    }
    let visible: Vec<_> = record
        .journal
        .iter()
        .filter(|e| axis.overlaps(e.started_at, e.finished_at))
        .collect();
    let spans: Vec<(f64, f64)> = visible
        .iter()
        .map(|e| {
            let x1 = axis.x(e.started_at) - 2.0;
            (x1, (axis.x(e.finished_at) - 2.0).max(x1 + 4.0))
        })
        .collect();
    let (rows, row_count) = stack_rows(&spans);
    let row_height = 22.0 / row_count as f64;
    if row_count == MAX_ROWS {
        // Rows ran out: say how many requests the lane really holds.
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#555\">{} requests</text>",
            WIDTH - 2.0,
            lane_y("requests") - 2.0,
            visible.len()
        );
    }
    for ((entry, (x1, x2)), row) in visible.iter().zip(&spans).zip(rows) {
        let color = match entry.status {
            200..=299 => "#43a047",
            400 | 401 => "#b00020",
            0 => "#546e7a",
            _ => "#fb8c00",
        };
        let stroke = if flagged.contains(&entry.seq) {
            " stroke=\"#000\" stroke-width=\"1.5\""
        } else {
            ""
        };
        let _ = write!(
            svg,
            "<rect x=\"{x1:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\" fill-opacity=\"0.85\"{stroke}><title>{}</title></rect>",
            lane_y("requests") + 5.0 + row as f64 * row_height,
            x2 - x1,
            (row_height - 1.0).max(1.0),
            escape(&entry.to_string())
        );
    }
}

/// Most sub-rows the requests lane splits into for overlapping requests.
const MAX_ROWS: usize = 6;

/// Greedy interval partitioning of pixel spans (sorted by start, as the
/// journal is): each span's row, and how many rows there are. Spans that
/// would need more than [`MAX_ROWS`] share the last row.
fn stack_rows(spans: &[(f64, f64)]) -> (Vec<usize>, usize) {
    let mut row_ends: Vec<f64> = Vec::new();
    let rows = spans
        .iter()
        .map(|&(x1, x2)| {
            let row = row_ends
                .iter()
                .position(|&end| end <= x1)
                .unwrap_or(row_ends.len())
                .min(MAX_ROWS - 1);
            if row == row_ends.len() {
                row_ends.push(x2);
            } else {
                row_ends[row] = row_ends[row].max(x2);
            }
            row
        })
        .collect();
    (rows, row_ends.len().max(1))
}

fn calls(svg: &mut String, record: &RunRecord, axis: &Axis) {
    let visible: Vec<_> = record
        .history
        .served()
        .filter(|s| axis.contains(s.served_at))
        .collect();
    let step = visible.len().div_ceil(MAX_CALL_DOTS).max(1);
    for served in visible.into_iter().step_by(step) {
        let (color, what) = match &served.result {
            Ok(fingerprint) => ("#90a4ae", format!("served {fingerprint}")),
            Err(kind) => ("#e53935", format!("failed: {}", kind.name())),
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
}

fn status(svg: &mut String, record: &RunRecord, axis: &Axis) {
    for sample in record
        .history
        .status_samples()
        .filter(|s| axis.contains(s.at))
    {
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
                lane_y("status") + 8.0 + f64::from(sample.instance % 3) * 7.0,
                escape(&report.account),
                escape(report.state.as_str())
            );
        }
    }
}

fn ticks(svg: &mut String, axis: &Axis, height: f64) {
    let base = height - 24.0;
    for (i, (x, label)) in axis.ticks().into_iter().enumerate() {
        let anchor = if i == 0 { "start" } else { "middle" };
        let _ = write!(
            svg,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{base:.1}\" y2=\"{:.1}\" stroke=\"#999\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
            base + 5.0,
            base + 18.0,
            escape(&label)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::stack_rows;

    #[test]
    fn overlapping_requests_get_separate_rows_and_later_ones_reuse_freed_rows() {
        let (rows, count) = stack_rows(&[(0.0, 10.0), (5.0, 15.0), (12.0, 20.0), (30.0, 34.0)]);
        assert_eq!(rows, [0, 1, 0, 0]);
        assert_eq!(count, 2);
    }

    #[test]
    fn a_herd_beyond_the_row_limit_shares_the_last_row() {
        let spans = vec![(0.0, 10.0); 20];
        let (rows, count) = stack_rows(&spans);
        assert_eq!(count, super::MAX_ROWS);
        assert_eq!(
            rows.iter().filter(|&&r| r == super::MAX_ROWS - 1).count(),
            15
        );
    }
}
