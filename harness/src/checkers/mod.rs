//! Checkers: each invariant is a function of what a run recorded.
//!
//! A checker reads the [`RunRecord`] (the provider's journal plus what the
//! harness saw callers get) and returns a [`Judgement`]: passed, failed with
//! [`Violation`]s naming the journal entries that prove them, or unknown
//! with the reason it had nothing to judge. One file per invariant.
//!
//! A checker also says which broker capabilities it [`needs`](Checker::needs):
//! against a broker without one of them, or when the scenario's steps that
//! need one were skipped for it, the run judges it unknown without calling it.

mod alert_raised;
mod availability;
mod broker_responsive;
mod clock_steps;
mod csrf_protected;
mod duration_text;
mod id_token_verified;
mod judgement;
mod leak;
mod least_privilege;
mod no_credential_to_consumer;
mod no_duplicate_email;
mod no_lost_email;
mod no_rejected_token_reuse;
mod no_stale_overwrite;
mod outage_store;
mod outage_surfaced;
mod proactive_refresh;
mod relay_available;
mod relay_least_privilege;
mod retry_discipline;
mod single_flight;
mod survives_restart;

pub use alert_raised::{AlertRaised, EXPIRING_WITH_FAILURES};
pub use availability::Availability;
pub use broker_responsive::BrokerResponsive;
pub use csrf_protected::CsrfProtected;
pub use duration_text::human_duration;
pub(crate) use duration_text::human_secs;
pub use id_token_verified::IdTokenVerified;
pub use judgement::{InvariantResult, Judgement};
pub use leak::NoTokenLeak;
pub use least_privilege::LeastPrivilege;
pub use no_credential_to_consumer::NoCredentialToConsumer;
pub use no_duplicate_email::NoDuplicateEmail;
pub use no_lost_email::NoLostEmail;
pub use no_rejected_token_reuse::NoRejectedTokenReuse;
pub use no_stale_overwrite::NoStaleOverwrite;
pub use outage_surfaced::OutageSurfaced;
pub use proactive_refresh::ProactiveRefresh;
pub use relay_available::RelayConsumersAvailable;
pub use retry_discipline::RetryDiscipline;
pub use single_flight::SingleFlightRefresh;
pub use survives_restart::SurvivesRestart;

use crate::broker::Capabilities;
use crate::record::RunRecord;
use crate::scenario::Invariants;
use serde::Serialize;

/// The invariants every run checks whether or not the scenario names them;
/// their unknown is listed but does not make the scenario unknown.
pub const ALWAYS_ON: &[&str] = &["broker_responsive", "availability"];

/// How many examples a checker lists before it summarises the rest.
pub(crate) const MAX_EXAMPLES: usize = 5;

/// An invariant that a run satisfies, violates, or gives no data on.
pub trait Checker: Send + Sync + std::fmt::Debug {
    /// The invariant's name, as in scenario files.
    fn name(&self) -> &'static str;
    /// The broker capabilities without which this invariant cannot be
    /// judged at all (default: none).
    fn needs(&self) -> Capabilities {
        Capabilities::default()
    }
    /// The capabilities whose steps this invariant judges: a scenario step
    /// needing one of them that was skipped (the broker lacks it) makes the
    /// invariant unknown (default: [`needs`](Checker::needs)).
    fn judges_steps_of(&self) -> Capabilities {
        self.needs()
    }
    /// What `run` shows: `Passed` only when there was data and it held.
    fn check(&self, run: &RunRecord) -> Judgement;
}

/// Judges `checker` on `run`: unknown when the broker lacks a capability it
/// needs or a step it judges was skipped, else what the checker says.
pub fn judge(checker: &dyn Checker, run: &RunRecord) -> Judgement {
    let lacking = run.capabilities.missing(&checker.needs());
    if !lacking.is_empty() {
        return Judgement::unknown(format!(
            "the broker lacks `{}`, which this invariant needs",
            lacking.join("`, `")
        ));
    }
    let judged = checker.judges_steps_of().names();
    let skipped: Vec<String> = run
        .skipped_steps
        .iter()
        .filter(|s| judged.contains(&s.capability))
        .map(|s| format!("`{}` (needs `{}`)", s.kind, s.capability))
        .collect();
    if !skipped.is_empty() {
        return Judgement::unknown(format!(
            "steps it judges were not played because the broker lacks a capability: {}",
            skipped.join(", ")
        ));
    }
    checker.check(run)
}

/// One way a run broke an invariant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// The invariant's name.
    pub invariant: &'static str,
    /// What happened, in a sentence.
    pub message: String,
    /// Sequence numbers of the journal entries that show it.
    pub entries: Vec<u64>,
}

/// The checkers a scenario's `[invariants]` table asks for, plus
/// `broker_responsive` and `availability`, which every run checks.
pub fn checkers_for(invariants: &Invariants) -> Vec<Box<dyn Checker>> {
    let mut checkers: Vec<Box<dyn Checker>> = vec![
        Box::new(BrokerResponsive),
        Box::new(Availability::new(
            invariants.availability.clone().unwrap_or_default(),
        )),
    ];
    if let Some(params) = &invariants.single_flight_refresh {
        checkers.push(Box::new(SingleFlightRefresh::new(params.clone())));
    }
    if let Some(params) = &invariants.proactive_refresh {
        checkers.push(Box::new(ProactiveRefresh::new(params.clone())));
    }
    if let Some(params) = &invariants.retry_discipline {
        checkers.push(Box::new(RetryDiscipline::new(params.clone())));
    }
    if let Some(params) = &invariants.outage_surfaced {
        checkers.push(Box::new(OutageSurfaced::new(params.clone())));
    }
    if let Some(params) = &invariants.no_token_leak {
        checkers.push(Box::new(NoTokenLeak::new(params.clone())));
    }
    if invariants.survives_restart.is_some() {
        checkers.push(Box::new(SurvivesRestart));
    }
    if invariants.no_lost_email.is_some() {
        checkers.push(Box::new(NoLostEmail));
    }
    if invariants.no_duplicate_email.is_some() {
        checkers.push(Box::new(NoDuplicateEmail));
    }
    if invariants.least_privilege.is_some() {
        checkers.push(Box::new(LeastPrivilege));
    }
    if invariants.csrf_protected.is_some() {
        checkers.push(Box::new(CsrfProtected));
    }
    if invariants.no_stale_overwrite.is_some() {
        checkers.push(Box::new(NoStaleOverwrite));
    }
    if invariants.no_rejected_token_reuse.is_some() {
        checkers.push(Box::new(NoRejectedTokenReuse));
    }
    if invariants.id_token_verified.is_some() {
        checkers.push(Box::new(IdTokenVerified));
    }
    if invariants.no_credential_to_consumer.is_some() {
        checkers.push(Box::new(NoCredentialToConsumer));
    }
    if let Some(params) = &invariants.alert_raised {
        checkers.push(Box::new(AlertRaised::new(params.clone())));
    }
    if let Some(params) = &invariants.relay_consumers_available {
        checkers.push(Box::new(RelayConsumersAvailable::new(params.clone())));
    }
    checkers
}

/// Caps a list of violations at [`MAX_EXAMPLES`], adding one that counts
/// the rest so a report stays readable.
pub(crate) fn capped(invariant: &'static str, mut found: Vec<Violation>) -> Vec<Violation> {
    if found.len() > MAX_EXAMPLES {
        let rest = found.len() - MAX_EXAMPLES;
        found.truncate(MAX_EXAMPLES);
        found.push(Violation {
            invariant,
            message: format!("... and {rest} more like these"),
            entries: Vec::new(),
        });
    }
    found
}
