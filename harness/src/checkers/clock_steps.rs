//! Whether the provider's clock went back during a run.
//!
//! Journal entries, calls and status samples carry provider time. After the
//! provider's clock steps back, those times no longer say what came first:
//! a refusal journaled before the step can carry a later time than a call
//! answered after it. Checkers that ask "had the provider refused before
//! this?" then count a refusal anywhere in the run, and keep their full
//! teeth in every run without such a step.

use crate::record::RunRecord;

/// True when a `jump_clock` moved the provider's clock (alone or with
/// every clock) backwards at some point of the run.
pub(super) fn provider_stepped_back(run: &RunRecord) -> bool {
    run.events.iter().any(|e| {
        e.kind == "jump_clock" && e.what.ends_with(" back") && !e.what.starts_with("Broker")
    })
}
