use super::{FaultAction, FaultTarget, RequestFacts};
use crate::Endpoint;
use rand::Rng;

/// The decision for one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// No fault applies.
    Pass,
    /// A fault applies: its label and action.
    Apply {
        /// Human label for the journal.
        label: String,
        /// What to do.
        action: FaultAction,
    },
}

/// A complete fault: a target, an action, and optional limits on which
/// matching requests it applies to (first N, every Nth, a seeded
/// probability).
///
/// ```
/// use mock_provider::{Endpoint, Fault};
/// use http::StatusCode;
/// # async fn example() {
/// let provider = mock_provider::MockProvider::start().await;
/// let _outage = provider.mount(
///     Fault::on(Endpoint::Token)
///         .respond(StatusCode::SERVICE_UNAVAILABLE, r#"{"error":"backend"}"#)
///         .times(2),
/// );
/// // The next two token requests get 503; the guard removes the fault on drop.
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a fault does nothing until it is mounted on a provider"]
pub struct Fault {
    target: FaultTarget,
    action: FaultAction,
    limit: Option<u64>,
    every: Option<u64>,
    probability: Option<f64>,
    label: Option<String>,
}

impl Fault {
    pub(super) fn new(target: FaultTarget, action: FaultAction) -> Self {
        Self {
            target,
            action,
            limit: None,
            every: None,
            probability: None,
            label: None,
        }
    }

    /// Starts a fault for requests to `endpoint`.
    pub fn on(endpoint: Endpoint) -> FaultTarget {
        FaultTarget::for_endpoint(endpoint)
    }

    /// Starts a fault for requests to any endpoint.
    pub fn on_any() -> FaultTarget {
        FaultTarget::default()
    }

    /// Apply to the first `count` matching requests only.
    pub fn times(mut self, count: u64) -> Self {
        self.limit = Some(count);
        self
    }

    /// Apply to every `n`th matching request (the nth, 2nth, ...).
    pub fn every(mut self, n: u64) -> Self {
        self.every = Some(n.max(1));
        self
    }

    /// Apply to each matching request with probability `p`, drawn from the
    /// provider's seeded generator.
    pub fn probability(mut self, p: f64) -> Self {
        self.probability = Some(p.clamp(0.0, 1.0));
        self
    }

    /// Replaces the journal label.
    pub fn labelled(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// The action taken on matched requests.
    pub fn action(&self) -> &FaultAction {
        &self.action
    }

    /// A short description for the journal.
    pub fn label(&self) -> String {
        if let Some(label) = &self.label {
            return label.clone();
        }
        let what = self.action.label();
        match self.target.endpoint {
            Some(e) => format!("{what} on {e}"),
            None => what,
        }
    }

    /// True when the target matches, before counts and probability.
    pub(super) fn targets(&self, facts: &RequestFacts) -> bool {
        self.target.matches(facts)
    }

    /// Decides for a request the target matched, given how many matching
    /// requests came before it and how often the fault already applied.
    pub(super) fn decide(&self, matched_before: u64, applied: u64, rng: &mut impl Rng) -> Verdict {
        let exhausted = self.limit.is_some_and(|limit| applied >= limit);
        let off_beat = self.every.is_some_and(|n| (matched_before + 1) % n != 0);
        if exhausted || off_beat {
            return Verdict::Pass;
        }
        // Drawn only when a probability is set, so adding a fault without one
        // does not shift the random sequence other faults see.
        let unlucky = self.probability.is_some_and(|p| rng.random::<f64>() >= p);
        if unlucky {
            return Verdict::Pass;
        }
        Verdict::Apply {
            label: self.label(),
            action: self.action.clone(),
        }
    }
}
