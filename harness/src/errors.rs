//! Every error the harness reports, and the exit codes they map to.

use std::path::PathBuf;

/// Exit code: every scenario passed (or was not applicable).
pub const EXIT_PASSED: i32 = 0;
/// Exit code: at least one scenario violated an invariant.
pub const EXIT_VIOLATIONS: i32 = 1;
/// Exit code: a scenario file or the command line was invalid.
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit code: the harness could not run a scenario (broker or runtime failure).
pub const EXIT_RUN_ERROR: i32 = 3;

/// A scenario file that could not be read or is not valid.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file or folder could not be read.
    #[error("cannot read `{path}`; check that it exists and is readable")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// TOML syntax, an unknown field or a value of the wrong type.
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What was wrong, naming the field.
        message: String,
    },
    /// Well-formed, but a value makes no sense.
    #[error("{path}:{line}: field `{field}`: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the offending table.
        line: usize,
        /// The field.
        field: String,
        /// What was wrong and what to do.
        message: String,
    },
    /// A folder held no `*.toml` scenario.
    #[error("no scenario files (`*.toml`) under `{path}`")]
    Empty {
        /// The folder.
        path: PathBuf,
    },
}

impl ScenarioError {
    /// The exit code for this error.
    pub fn exit_code(&self) -> i32 {
        EXIT_BAD_INPUT
    }
}

/// A run that could not be carried out (as opposed to one that found violations).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The `--broker` value names no known broker.
    #[error(
        "unknown broker `{0}`; use `reference`, `reference-broker`, `mutant:NAME` or `cmd:\"COMMAND\"` (see `oauth-chaos list`)"
    )]
    UnknownBroker(String),
    /// `--relay` with a broker that is not a process.
    #[error(
        "`--relay` names the relay process beside a process broker; `{0}` runs in process and has its own relay (use `reference-broker` or `cmd:\"COMMAND\"`)"
    )]
    RelayWithoutProcess(String),
    /// The scenario asks for a mode this build cannot run yet.
    #[error("scenario `{scenario}` uses mode `{mode}`, which this harness cannot run yet")]
    UnsupportedMode {
        /// The scenario.
        scenario: String,
        /// The mode.
        mode: String,
    },
    /// The async runtime could not be built.
    #[error("cannot start the simulation runtime")]
    Runtime(#[source] std::io::Error),
}

impl RunError {
    /// The exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::UnknownBroker(_) | Self::RelayWithoutProcess(_) => EXIT_BAD_INPUT,
            _ => EXIT_RUN_ERROR,
        }
    }
}
