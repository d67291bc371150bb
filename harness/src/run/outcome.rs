use crate::checkers::Violation;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

/// The result of one scenario against one broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every invariant held.
    Passed,
    /// At least one invariant was violated.
    Failed,
    /// The broker lacks a capability the scenario needs.
    NotApplicable,
}

/// What one scenario run found.
#[derive(Debug, Clone, Serialize)]
pub struct RunOutcome {
    /// The scenario's name.
    pub scenario: String,
    /// Its file.
    pub path: PathBuf,
    /// The broker (`reference`, `mutant:NAME`, ...).
    pub broker: String,
    /// `sim` or `real`.
    pub mode: &'static str,
    /// The seed used.
    pub seed: u64,
    /// The verdict.
    pub verdict: Verdict,
    /// Every violation, grouped by invariant in check order.
    pub violations: Vec<Violation>,
    /// Invariants checked.
    pub checked: Vec<&'static str>,
    /// Requests the provider journaled.
    pub requests: usize,
    /// `access_token` calls made.
    pub calls: usize,
    /// SHA-256 of the journal (same seed, same hash).
    pub journal_hash: String,
    /// Wall time the run took.
    pub wall_time: Duration,
    /// Simulated time the run covered.
    pub simulated: Duration,
    /// One-line reasons, for `not_applicable`.
    pub note: Option<String>,
}

impl RunOutcome {
    /// The command that replays this run exactly.
    pub fn replay_command(&self) -> String {
        format!(
            "oauth-chaos run {} --broker {} --seed {}",
            self.path.display(),
            shell_word(&self.broker),
            self.seed
        )
    }

    /// True when the given invariant was violated.
    pub fn violated(&self, invariant: &str) -> bool {
        self.violations.iter().any(|v| v.invariant == invariant)
    }
}

/// Quotes a broker name for a shell when it has spaces (`cmd:...`).
fn shell_word(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_:./".contains(c))
    {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}
