//! Running a scenario: play its timeline against a broker, then check.
//!
//! `record.rs` is what a run leaves behind for the checkers, `sim.rs` plays
//! a scenario on simulated time, and `outcome.rs` is the verdict with the
//! seed and the replay command.

mod outcome;
mod record;
mod sim;

pub use outcome::{RunOutcome, Verdict};
pub use record::{RunRecord, ServedToken};
pub use sim::run_scenario;
