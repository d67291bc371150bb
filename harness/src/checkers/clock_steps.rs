//! Whether the provider's clock went back (or moved alone) during a run.
//!
//! Journal entries, calls and status samples carry provider time. After the
//! provider's clock steps back, those times no longer say what came first:
//! a refusal journaled before the step can carry a later time than a call
//! answered after it. Checkers that ask "had the provider refused before
//! this?" then fall back to what still orders events (arrival order in the
//! journal) or count a refusal anywhere in the run, and keep their full
//! teeth in every run without such a step.

use crate::record::RunRecord;
use std::time::Duration;

/// True when a `jump_clock` or `skew_clock` of the provider (alone or with
/// every clock) left its offset lower than before: its clock went back.
/// (`skew_clock` sets the offset, `jump_clock` adds to it.)
pub(super) fn provider_stepped_back(run: &RunRecord) -> bool {
    let mut offset_ms: i128 = 0;
    for event in run.history.timeline() {
        if !(event.what.starts_with("Provider ") || event.what.starts_with("All ")) {
            continue;
        }
        let Some((by, positive)) = parse_move(&event.what) else {
            continue;
        };
        let by = i128::try_from(by.as_millis()).unwrap_or(i128::MAX);
        let signed = if positive { by } else { -by };
        let next = match event.kind {
            "skew_clock" => signed,
            "jump_clock" => offset_ms + signed,
            _ => continue,
        };
        if next < offset_ms {
            return true;
        }
        offset_ms = next;
    }
    false
}

/// True when the provider's clock alone was skewed or jumped (either way)
/// at or before `by` (provider time), or at any time once it went back
/// (provider times then no longer order events). A token can then expire
/// at the provider earlier than any broker clock could foresee.
pub(super) fn provider_moved_alone_by(run: &RunRecord, by: std::time::SystemTime) -> bool {
    let stepped_back = provider_stepped_back(run);
    run.history.timeline().any(|event| {
        matches!(event.kind, "skew_clock" | "jump_clock")
            && event.what.starts_with("Provider ")
            && (stepped_back || event.at <= by)
    })
}

/// `"All clock jumped 1h 2m back"` → (1h 2m, false); `"Provider clock 5m
/// ahead"` → (5m, true): the text `steps/clocks.rs` records.
fn parse_move(what: &str) -> Option<(Duration, bool)> {
    let rest = what.split_once(" clock ")?.1;
    let rest = rest.strip_prefix("jumped ").unwrap_or(rest);
    let (amount, direction) = rest.rsplit_once(' ')?;
    let positive = match direction {
        "forward" | "ahead" => true,
        "back" | "behind" => false,
        _ => return None,
    };
    Some((humantime::parse_duration(amount).ok()?, positive))
}

#[cfg(test)]
mod tests {
    use super::parse_move;
    use std::time::Duration;

    #[test]
    fn the_recorded_clock_moves_parse_back_into_amount_and_direction() {
        assert_eq!(
            parse_move("All clock jumped 1h 41m 36s back"),
            Some((Duration::from_secs(6096), false))
        );
        assert_eq!(
            parse_move("Provider clock 11m 55s behind"),
            Some((Duration::from_secs(715), false))
        );
        assert_eq!(
            parse_move("Provider clock 2m ahead"),
            Some((Duration::from_secs(120), true))
        );
        assert_eq!(parse_move("Broker clock stalled"), None);
    }
}
