use super::SkippedStep;
use crate::checkers::{InvariantResult, Judgement, Violation};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// The result of one scenario against one broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every invariant the scenario names was judged and held.
    Passed,
    /// At least one invariant was violated.
    Failed,
    /// None was violated, but at least one the scenario names could not be
    /// judged (no data, or a capability the broker lacks): not a pass.
    Unknown,
    /// The scenario cannot run against this broker at all (a sim scenario
    /// and a process broker, a machine without libfaketime, a setup the
    /// broker declines).
    NotApplicable,
}

impl Verdict {
    /// The name used in reports: `passed`, `failed`, `unknown`, `not_applicable`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Unknown => "unknown",
            Self::NotApplicable => "not_applicable",
        }
    }
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
    /// The `--relay` command it was run with, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relay: Option<String>,
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
    /// Each checked invariant's judgement, in check order.
    pub invariants: Vec<InvariantResult>,
    /// `access_token` calls by result (`served`, or the failure kind).
    pub calls_by_result: BTreeMap<&'static str, usize>,
    /// Steps skipped because the broker lacks what they need.
    pub skipped_steps: Vec<SkippedStep>,
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
    /// For a run of several instances, whether they shared one store or
    /// had one each (a failure of single flight means per fleet, or per
    /// instance), e.g. `3 processes sharing one file: store`.
    pub fleet: Option<String>,
}

impl RunOutcome {
    /// The command that replays this run exactly.
    pub fn replay_command(&self) -> String {
        let relay = self
            .relay
            .as_ref()
            .map(|relay| format!(" --relay {}", shell_word(relay)))
            .unwrap_or_default();
        format!(
            "oauth-chaos run {} --broker {}{relay} --seed {}",
            self.path.display(),
            shell_word(&self.broker),
            self.seed
        )
    }

    /// True when the given invariant was violated.
    pub fn violated(&self, invariant: &str) -> bool {
        self.violations.iter().any(|v| v.invariant == invariant)
    }

    /// The judgement of `invariant`, if it was checked.
    pub fn judgement(&self, invariant: &str) -> Option<&Judgement> {
        self.invariants
            .iter()
            .find(|r| r.invariant == invariant)
            .map(|r| &r.judgement)
    }

    /// The invariants judged unknown, with their reasons.
    pub fn unknowns(&self) -> Vec<(&'static str, &str)> {
        self.invariants
            .iter()
            .filter_map(|r| r.judgement.reason().map(|reason| (r.invariant, reason)))
            .collect()
    }

    /// `--strict` (and `CI=true`): an unknown verdict becomes a failure,
    /// with one violation per invariant that could not be judged.
    ///
    /// ```
    /// # use harness::run::{RunOutcome, Verdict};
    /// # fn strict_fails(outcome: RunOutcome) {
    /// let strict = outcome.clone().strict();
    /// if outcome.verdict == Verdict::Unknown {
    ///     assert_eq!(strict.verdict, Verdict::Failed);
    /// }
    /// # }
    /// ```
    pub fn strict(mut self) -> Self {
        if self.verdict != Verdict::Unknown {
            return self;
        }
        let unknown: Vec<Violation> = self
            .invariants
            .iter()
            .filter(|r| r.named)
            .filter_map(|r| {
                r.judgement.reason().map(|reason| Violation {
                    invariant: r.invariant,
                    message: format!("could not be judged (`--strict`): {reason}"),
                    entries: Vec::new(),
                })
            })
            .collect();
        self.violations.extend(unknown);
        self.verdict = Verdict::Failed;
        self
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
