//! Scenario files: the TOML language users write and the loader that turns
//! a file into a checked [`Scenario`].
//!
//! `model.rs` is the language (every type here is what a file may say),
//! `load.rs` reads files and folders and reports errors with file, line and
//! field, and `timeline.rs` expands steps into the timed events a run plays.

mod load;
mod model;
mod timeline;

pub use load::{load_file, load_paths, parse_scenario};
pub use model::{
    Action, BrokerSettings, Invariants, Mode, ProactiveRefreshParams, ProviderSettings, Scenario,
    SingleFlightParams, Step,
};
pub use timeline::{TimedAction, expand_timeline};
