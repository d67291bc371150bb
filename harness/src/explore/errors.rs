//! What can stop an exploration (a failing case is a finding, not an error).

use crate::errors::{EXIT_BAD_INPUT, EXIT_RUN_ERROR, RunError, ScenarioError};
use std::path::PathBuf;

/// Why `explore` could not go on.
#[derive(Debug, thiserror::Error)]
pub enum ExploreError {
    /// A generated schedule rendered to a file the loader refused: a bug in
    /// explore's generator or writer, reported with the text's seed.
    #[error(
        "the schedule of seed `{seed}` rendered to a file the loader refuses; please report it"
    )]
    Unparsable {
        /// The case seed.
        seed: u64,
        /// The loader's error.
        #[source]
        source: ScenarioError,
    },
    /// The run itself could not start.
    #[error("cannot run the case of seed `{seed}`")]
    Run {
        /// The case seed.
        seed: u64,
        /// What failed.
        #[source]
        source: RunError,
    },
    /// Determinism mode compares journal hashes of two runs, which only
    /// paused-time (sim) runs can match: a process broker runs at wall speed.
    #[error(
        "`--determinism` needs an in-process broker (`reference`, `mutant:NAME`): `{broker}` runs at wall speed, so two runs never journal alike"
    )]
    DeterminismNeedsSim {
        /// The broker asked for.
        broker: String,
    },
    /// A shrunk file could not be written.
    #[error("cannot write `{path}`; check that the folder is writable")]
    Write {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
}

impl ExploreError {
    /// The process exit code (`run`'s namespace).
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Run { source, .. } => source.exit_code(),
            Self::DeterminismNeedsSim { .. } => EXIT_BAD_INPUT,
            _ => EXIT_RUN_ERROR,
        }
    }
}
