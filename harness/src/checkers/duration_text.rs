//! Durations in checker messages: always with their unit, to the
//! millisecond (`300ms`, `1m 2s 500ms`), never a bare `0s` for a
//! sub-second margin or gap.

use std::time::Duration;

/// `duration` to the millisecond, with units; `<1ms` for a shorter,
/// non-zero one.
///
/// ```
/// # use std::time::Duration;
/// # fn human(d: Duration) -> String { harness::checkers::human_duration(d) }
/// assert_eq!(human(Duration::from_millis(300)), "300ms");
/// assert_eq!(human(Duration::from_millis(62_500)), "1m 2s 500ms");
/// assert_eq!(human(Duration::from_micros(40)), "<1ms");
/// assert_eq!(human(Duration::ZERO), "0s");
/// ```
pub fn human_duration(duration: Duration) -> String {
    let millis = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
    if millis == 0 && !duration.is_zero() {
        return "<1ms".to_owned();
    }
    humantime::format_duration(Duration::from_millis(millis)).to_string()
}

/// A mean of seconds (as the backoff rule computes them), the same way.
pub(crate) fn human_secs(secs: f64) -> String {
    human_duration(Duration::try_from_secs_f64(secs.max(0.0)).unwrap_or(Duration::MAX))
}
