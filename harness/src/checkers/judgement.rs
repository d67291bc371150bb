//! What a checker concludes about one invariant: passed, failed or unknown
//! (Jepsen's `valid?` is true, false or `:unknown`). No data is never a pass.

use super::Violation;
use serde::Serialize;

/// One checker's conclusion.
///
/// ```
/// use harness::checkers::Judgement;
/// assert!(Judgement::from_violations(Vec::new()).passed());
/// let unknown = Judgement::unknown("no status samples");
/// assert!(!unknown.passed() && !unknown.failed());
/// assert_eq!(unknown.reason(), Some("no status samples"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Judgement {
    /// The checker had data, and the invariant held on all of it.
    Passed,
    /// The invariant was violated; each violation names its evidence.
    Failed {
        /// What broke it.
        violations: Vec<Violation>,
    },
    /// The checker had nothing to judge (no data, or the broker lacks a
    /// capability the invariant needs); never counted as a pass.
    Unknown {
        /// Why, in a sentence.
        reason: String,
    },
}

impl Judgement {
    /// `Passed` when `violations` is empty, else `Failed`.
    pub fn from_violations(violations: Vec<Violation>) -> Self {
        if violations.is_empty() {
            Self::Passed
        } else {
            Self::Failed { violations }
        }
    }

    /// What an assessment came to: `Passed` or `Failed` by its violations,
    /// or `Unknown` for the reason it could not judge.
    pub fn from_assessment(assessment: Result<Vec<Violation>, String>) -> Self {
        assessment.map_or_else(Self::unknown, Self::from_violations)
    }

    /// `Unknown` for `reason`.
    pub fn unknown(reason: impl Into<String>) -> Self {
        Self::Unknown {
            reason: reason.into(),
        }
    }

    /// True for `Passed`.
    pub fn passed(&self) -> bool {
        matches!(self, Self::Passed)
    }

    /// True for `Failed`.
    pub fn failed(&self) -> bool {
        matches!(self, Self::Failed { .. })
    }

    /// True for `Unknown`.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Self::Unknown { .. })
    }

    /// The violations (empty unless `Failed`).
    pub fn violations(&self) -> &[Violation] {
        match self {
            Self::Failed { violations } => violations,
            _ => &[],
        }
    }

    /// Why the checker could not judge (`Unknown` only).
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Unknown { reason } => Some(reason),
            _ => None,
        }
    }

    /// The one-word name used in reports: `passed`, `failed` or `unknown`.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed { .. } => "failed",
            Self::Unknown { .. } => "unknown",
        }
    }
}

/// One invariant's judgement in a run's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvariantResult {
    /// The invariant's name, as in scenario files.
    pub invariant: &'static str,
    /// True when the scenario names it (its unknown makes the scenario
    /// unknown); false for the always-on invariants, whose unknown is only
    /// listed.
    pub named: bool,
    /// What its checker concluded.
    #[serde(flatten)]
    pub judgement: Judgement,
}
