//! `oauth-chaos explore`: random fault schedules, judged by every
//! invariant, shrunk strictly into a scenario file.
//!
//! A [`Schedule`] (`schedule.rs`) is a world (instances, accounts, token
//! life, rotation) and timed steps of the scenario file's own step kinds.
//! `strategy.rs` generates them with proptest, weighted towards the
//! interleavings worth finding, and `follow_ups.rs` brings each fault the
//! traffic that meets it. `expectations.rs` says how each invariant
//! is judged in a case (as written, moot and judged by the expectation the
//! schedule leaves, or not exercised). `scenario_text.rs` renders a
//! schedule as TOML, and `case.rs` plays every case from that text, so a
//! written file is exactly what ran. `explorer.rs` is the loop (threads,
//! determinism mode), `shrink.rs` the strict shrinker, `witness.rs` the
//! smallest anomaly that goes into the file's header.

mod case;
mod errors;
mod expectations;
mod explorer;
mod fault_strategy;
mod follow_ups;
mod scenario_text;
mod schedule;
mod shrink;
mod strategy;
mod summary;
mod witness;

pub use case::{PlayedCase, case_seed, generate, play_case};
pub use errors::ExploreError;
pub use expectations::{Fate, InvariantPlan, PROACTIVE_MARGIN};
pub use explorer::{Budget, ExploreOptions, ExploreReport, Finding, confirm, explore};
pub use scenario_text::render_scenario;
pub use schedule::{
    ACCOUNTS, ClockTarget, GmailFaultKind, GmailTarget, Schedule, StepKind, TimedStep, TokenFault,
};
pub use shrink::{Shrunk, shrink};
pub use strategy::{Focus, ScheduleShape, schedule_strategy};
pub use summary::render_summary;
pub use witness::witness;
