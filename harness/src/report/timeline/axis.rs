//! The time axis of one chart: a window of provider time mapped onto the
//! chart's width, with readable tick labels.

use std::time::{Duration, SystemTime};

/// Chart width in pixels.
pub(super) const WIDTH: f64 = 1200.0;
/// Where the plot starts (lane names sit to the left).
pub(super) const LEFT: f64 = 110.0;
const RIGHT_PAD: f64 = 10.0;

/// A window `[start, start + span]` of provider time.
#[derive(Debug, Clone, Copy)]
pub(super) struct Axis {
    pub start: SystemTime,
    /// Seconds; never below one millisecond.
    pub span: f64,
}

impl Axis {
    /// The window from `start` to `end`.
    pub fn between(start: SystemTime, end: SystemTime) -> Self {
        let span = end
            .duration_since(start)
            .map_or(0.0, |d| d.as_secs_f64())
            .max(0.001);
        Self { start, span }
    }

    fn offset(&self, at: SystemTime) -> f64 {
        match at.duration_since(self.start) {
            Ok(after) => after.as_secs_f64(),
            Err(before) => -before.duration().as_secs_f64(),
        }
    }

    /// True when `at` falls inside the window.
    pub fn contains(&self, at: SystemTime) -> bool {
        (0.0..=self.span).contains(&self.offset(at))
    }

    /// True when `[from, to]` overlaps the window.
    pub fn overlaps(&self, from: SystemTime, to: SystemTime) -> bool {
        self.offset(to) >= 0.0 && self.offset(from) <= self.span
    }

    /// The x coordinate of `at`, clamped to the plot.
    pub fn x(&self, at: SystemTime) -> f64 {
        LEFT + (self.offset(at) / self.span).clamp(0.0, 1.0) * (WIDTH - LEFT - RIGHT_PAD)
    }

    /// Tick positions and labels: the start as a timestamp, then offsets
    /// from it (`+45m`, `+1h 30m`) at round steps.
    pub fn ticks(&self) -> Vec<(f64, String)> {
        let step = tick_step(self.span);
        let mut ticks = vec![(
            self.x(self.start),
            humantime::format_rfc3339_millis(self.start).to_string(),
        )];
        let mut offset = step;
        // Leave room for the timestamp label at the left edge.
        while offset <= self.span {
            if offset / self.span > 0.18 {
                let at = self.start + Duration::from_secs_f64(offset);
                ticks.push((self.x(at), format!("+{}", short_duration(offset))));
            }
            offset += step;
        }
        ticks
    }
}

/// A round step giving about five ticks over `span` seconds.
fn tick_step(span: f64) -> f64 {
    const STEPS: [f64; 19] = [
        0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0, 1800.0,
        3600.0, 7200.0, 21600.0, 86400.0,
    ];
    STEPS
        .iter()
        .copied()
        .find(|step| span / step <= 6.0)
        .unwrap_or(span / 5.0)
}

/// `90` → `1m 30s`; `0.25` → `250ms`.
fn short_duration(seconds: f64) -> String {
    let millis = (seconds * 1000.0).round() as u64;
    humantime::format_duration(Duration::from_millis(millis)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn a_three_hour_axis_ticks_every_half_hour() {
        let axis = Axis::between(UNIX_EPOCH, UNIX_EPOCH + Duration::from_secs(3 * 3600));
        let labels: Vec<String> = axis.ticks().into_iter().map(|(_, l)| l).collect();
        assert_eq!(labels[0], "1970-01-01T00:00:00.000Z");
        assert_eq!(labels[1..], ["+1h", "+1h 30m", "+2h", "+2h 30m", "+3h"]);
    }

    #[test]
    fn a_subsecond_axis_ticks_in_milliseconds() {
        let axis = Axis::between(UNIX_EPOCH, UNIX_EPOCH + Duration::from_millis(300));
        let labels: Vec<String> = axis.ticks().into_iter().skip(1).map(|(_, l)| l).collect();
        assert_eq!(labels, ["+100ms", "+150ms", "+200ms", "+250ms", "+300ms"]);
    }

    #[test]
    fn times_outside_the_window_are_not_contained_and_clamp_to_the_edges() {
        let start = UNIX_EPOCH + Duration::from_secs(100);
        let axis = Axis::between(start, start + Duration::from_secs(10));
        assert!(!axis.contains(UNIX_EPOCH));
        assert!(axis.contains(start + Duration::from_secs(5)));
        assert_eq!(axis.x(UNIX_EPOCH), LEFT);
        assert!(axis.overlaps(UNIX_EPOCH, start + Duration::from_secs(1)));
        assert!(!axis.overlaps(UNIX_EPOCH, start - Duration::from_secs(1)));
    }
}
