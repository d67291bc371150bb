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
mod served_token_owner;
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
    // In this order (reports list invariants as the checkers come): the
    // checkers with parameters take theirs, the others are unit values.
    macro_rules! with_params {
        ($($field:ident => $checker:ident),* $(,)?) => {
            $(if let Some(params) = &invariants.$field {
                checkers.push(Box::new($checker::new(params.clone())));
            })*
        };
    }
    macro_rules! named {
        ($($field:ident => $checker:expr),* $(,)?) => {
            $(if invariants.$field.is_some() {
                checkers.push(Box::new($checker));
            })*
        };
    }
    with_params! {
        single_flight_refresh => SingleFlightRefresh,
        proactive_refresh => ProactiveRefresh,
        retry_discipline => RetryDiscipline,
        outage_surfaced => OutageSurfaced,
        no_token_leak => NoTokenLeak,
    }
    named! {
        survives_restart => SurvivesRestart,
        no_lost_email => NoLostEmail,
        no_duplicate_email => NoDuplicateEmail,
        least_privilege => LeastPrivilege,
        csrf_protected => CsrfProtected,
        no_stale_overwrite => NoStaleOverwrite,
        no_rejected_token_reuse => NoRejectedTokenReuse,
        id_token_verified => IdTokenVerified,
        no_credential_to_consumer => NoCredentialToConsumer,
    }
    with_params! {
        alert_raised => AlertRaised,
        relay_consumers_available => RelayConsumersAvailable,
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
