//! Which invariants a schedule makes applicable, and how each is judged.
//!
//! Every invariant explore knows is in the plan with one of three fates:
//! judged as written; *moot*, judged instead by the expectation the
//! schedule leaves (stated in the file, never a silent skip); or not
//! exercised, because the schedule has no step that gives it data (it
//! would only say unknown). Example: with the token endpoint down for
//! longer than a refresh's head start nobody can refresh ahead of expiry,
//! so `proactive_refresh`'s "refresh a margin before expiry" is moot; what
//! must still hold is that the outage is surfaced: a token inside the
//! margin is served only after a refresh the outage refused (the checker's
//! outage rule), never an expired one, and every failed call says why
//! (`availability`, always on).

use super::schedule::{Schedule, StepKind, TimedStep};
use crate::scenario::BrokerSettings;
use std::time::Duration;

/// The margin `proactive_refresh` asks for when it is not moot.
pub const PROACTIVE_MARGIN: Duration = Duration::from_secs(60);

/// How one invariant is judged in a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Judged with these parameters (a TOML inline table).
    Judged(String),
    /// The schedule makes the invariant as written moot; it is judged with
    /// these parameters instead, which state the expectation left.
    Moot {
        /// Why it is moot.
        because: String,
        /// The expectation that replaces it, in words.
        expectation: &'static str,
        /// The parameters that judge the expectation, or none when the
        /// always-on invariants carry it (then the invariant is not named).
        params: Option<String>,
    },
    /// No step of the schedule gives the invariant data.
    NotExercised(&'static str),
}

/// `outage_surfaced` as explore judges it: a status poll of every instance
/// each minute rather than the default 30 s. The bound is 5 minutes, so
/// five polls still fall inside it; status polls were the most frequent
/// event of a six-hour case (720 per instance), and halving them is
/// throughput the schedules spend on faults instead.
const OUTAGE_POLLS: &str = "{ poll_every = \"1m\" }";

/// The invariants of one case with their fates, in check order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvariantPlan {
    /// (invariant, fate).
    pub fates: Vec<(&'static str, Fate)>,
}

impl InvariantPlan {
    /// The plan for `schedule`: every invariant explore knows.
    pub fn for_schedule(schedule: &Schedule) -> Self {
        let has = |kind: &str| schedule.has(kind);
        let traffic = has("token_requests") || has("gmail_profile") || schedule.has_mail();
        let judged = |params: &str| Fate::Judged(params.to_owned());
        let when = |applies: bool, params: &str, why: &'static str| {
            if applies {
                judged(params)
            } else {
                Fate::NotExercised(why)
            }
        };
        let mut fates = vec![
            (
                "single_flight_refresh",
                single_flight_fate(schedule, traffic),
            ),
            ("proactive_refresh", proactive_fate(schedule, traffic)),
            ("retry_discipline", retry_fate(schedule, traffic)),
            (
                "outage_surfaced",
                when(traffic, OUTAGE_POLLS, "no token traffic"),
            ),
            ("no_token_leak", judged("{}")),
            (
                "survives_restart",
                when(has("restart"), "{}", "no restart step"),
            ),
            (
                "no_lost_email",
                when(has("sync") || has("crash_sync"), "{}", "no sync step"),
            ),
            (
                "no_duplicate_email",
                when(schedule.has_mail(), "{}", "no Gmail step"),
            ),
            (
                "least_privilege",
                when(has("authorize"), "{}", "no authorize step"),
            ),
            (
                "csrf_protected",
                when(
                    has("authorize") || has("forge_callback"),
                    "{}",
                    "no authorize or forge_callback step",
                ),
            ),
            ("no_stale_overwrite", stale_fate(schedule, traffic)),
            (
                "no_rejected_token_reuse",
                when(has("gmail_profile"), "{}", "no gmail_profile step"),
            ),
        ];
        if let Some(fate) = availability_fate(schedule) {
            fates.insert(0, ("availability", fate));
        }
        Self { fates }
    }

    /// Only `invariant` (and the always-on ones, with their expectation
    /// when moot), as a shrunk file names.
    #[must_use]
    pub fn only(&self, invariant: &str) -> Self {
        Self {
            fates: self
                .fates
                .iter()
                .filter(|(name, _)| *name == invariant || *name == "availability")
                .cloned()
                .collect(),
        }
    }

    /// The `[invariants]` table's lines, with a comment for each moot or
    /// unexercised invariant.
    pub fn toml_lines(&self) -> Vec<String> {
        let mut lines = vec!["# availability and broker_responsive are always on.".to_owned()];
        for (name, fate) in &self.fates {
            match fate {
                Fate::Judged(params) => lines.push(format!("{name} = {params}")),
                Fate::Moot {
                    because,
                    expectation,
                    params,
                } => {
                    lines.push(format!("# {name} is moot: {because};"));
                    match params {
                        Some(params) => {
                            lines.push(format!("# judged as \"{expectation}\":"));
                            lines.push(format!("{name} = {params}"));
                        }
                        None => lines.push(format!(
                            "# judged as \"{expectation}\" (availability, always on)"
                        )),
                    }
                }
                Fate::NotExercised(why) => {
                    lines.push(format!("# {name}: not exercised ({why})"));
                }
            }
        }
        lines
    }

    /// How many invariants were moot in this plan.
    pub fn moot_count(&self) -> usize {
        self.fates
            .iter()
            .filter(|(_, f)| matches!(f, Fate::Moot { .. }))
            .count()
    }
}

/// `proactive_refresh`: moot when the provider's token endpoint fails for
/// longer than the broker's head start on expiry can cover. The margin
/// stays: the checker excuses a live token served inside it while the
/// provider fails the broker's refreshes (so the file judges the outage,
/// not the head start), and a broker that never tried is still caught.
fn proactive_fate(schedule: &Schedule, traffic: bool) -> Fate {
    if !traffic {
        return Fate::NotExercised("no token traffic");
    }
    let margin = humantime::format_duration(PROACTIVE_MARGIN);
    if let Some(reason) = provider_clock_ahead(schedule) {
        return Fate::Moot {
            because: reason,
            expectation: "a token the provider's clock killed early is replaced and callers stay served",
            params: None,
        };
    }
    if let Some(reason) = refresh_prevented(schedule) {
        return Fate::Moot {
            because: reason,
            expectation: "the outage must be surfaced: inside the margin only after a refresh the outage refused, never an expired token, every failed call says why",
            params: Some(format!("{{ margin = \"{margin}\" }}")),
        };
    }
    Fate::Judged(format!("{{ margin = \"{margin}\" }}"))
}

/// The longest stretch a head start on expiry survives: a broker that
/// starts refreshing this early and retries with backoff still refreshes
/// before the margin if the endpoint comes back within it.
const HEAD_START: Duration = Duration::from_secs(4 * 60);

/// Why no broker can refresh ahead of expiry in this schedule, if so.
fn refresh_prevented(schedule: &Schedule) -> Option<String> {
    for timed in &schedule.steps {
        match &timed.step {
            StepKind::TokenFault {
                fault,
                times: None,
                until,
                ..
            } if fault.fails_requests(BrokerSettings::default().http_timeout) => {
                let down = until.saturating_sub(timed.at);
                if down >= HEAD_START {
                    return Some(format!(
                        "the token endpoint fails for {} from {}, longer than a refresh's head start on expiry",
                        humantime::format_duration(down),
                        humantime::format_duration(timed.at)
                    ));
                }
            }
            _ => {}
        }
    }
    None
}

/// `single_flight_refresh`: its "one refresh per token generation" rule
/// measures a token's age on the provider's clock, and a broker whose own
/// clock stepped (or stalled) cannot trust the age of what it holds: the
/// reference refreshes when its clock reads earlier than when it got the
/// token. Across a clock step only "never two refreshes in flight" is left.
fn single_flight_fate(schedule: &Schedule, traffic: bool) -> Fate {
    if !traffic {
        return Fate::NotExercised("no token traffic");
    }
    let stepped = schedule.steps.iter().find(|s| {
        matches!(
            s.step,
            StepKind::Skew { .. } | StepKind::Jump { .. } | StepKind::Pause { .. }
        )
    });
    if let Some((fault, _)) = unpersisted_knowledge(schedule)
        && schedule.instances > 1
    {
        // The refresh lease lives in the shared store: a store that cannot
        // take it coordinates nothing, and each instance refreshes on its
        // own (availability first; versioned CAS keeps the store right).
        return Fate::Moot {
            because: format!(
                "`{}` at {} keeps the refresh lease and new tokens out of the store {} instances share",
                fault.step.kind_name(),
                humantime::format_duration(fault.at),
                schedule.instances
            ),
            expectation: "no more refreshes of a grant in flight at once than there are instances",
            params: Some(format!(
                "{{ min_token_age_fraction = 0.0, max_in_flight = {} }}",
                schedule.instances
            )),
        };
    }
    if let Some((fault, _)) = unpersisted_knowledge(schedule) {
        return Fate::Moot {
            because: format!(
                "`{}` at {} keeps a new token out of the store another instance or a restarted one reads",
                fault.step.kind_name(),
                humantime::format_duration(fault.at)
            ),
            expectation: "no two refreshes of a grant are in flight at once",
            params: Some("{ min_token_age_fraction = 0.0 }".to_owned()),
        };
    }
    match stepped {
        Some(step) => Fate::Moot {
            because: format!(
                "a clock steps (`{}` at {}), so token ages on the provider's clock say nothing of what a broker could trust",
                step.step.kind_name(),
                humantime::format_duration(step.at)
            ),
            expectation: "no two refreshes of a grant are in flight at once",
            params: Some("{ min_token_age_fraction = 0.0 }".to_owned()),
        },
        None => Fate::Judged("{}".to_owned()),
    }
}

/// The provider's clock alone moves ahead: tokens die early by its clock,
/// which no broker can foresee (it counts `expires_in` on its own clock).
fn provider_clock_ahead(schedule: &Schedule) -> Option<String> {
    use super::schedule::ClockTarget;
    schedule.steps.iter().find_map(|timed| {
        let ahead = match &timed.step {
            StepKind::Skew {
                of: ClockTarget::Provider,
                ahead: true,
                ..
            }
            | StepKind::Jump {
                of: ClockTarget::Provider,
                forward: true,
                ..
            } => true,
            // Behind, then back to true time, is ahead too; any skew of
            // the provider's clock alone can move it forward.
            StepKind::Skew {
                of: ClockTarget::Provider,
                ..
            } => schedule.steps.iter().any(|other| {
                other.at > timed.at
                    && matches!(
                        other.step,
                        StepKind::Skew {
                            of: ClockTarget::Provider,
                            ..
                        }
                    )
            }),
            _ => false,
        };
        ahead.then(|| {
            format!(
                "the provider's clock moves ahead at {} (`{}`), so tokens die early by its clock",
                humantime::format_duration(timed.at),
                timed.step.kind_name()
            )
        })
    })
}

/// A store that could not take a write while a kill or another instance
/// needed it: what one process learnt (a rotated refresh token, a refusal)
/// died with it or never reached the others. The step that made it so.
fn unpersisted_knowledge(schedule: &Schedule) -> Option<(&TimedStep, usize)> {
    let fault = schedule.steps.iter().find(|s| {
        matches!(
            s.step,
            StepKind::StoreOutage { .. }
                | StepKind::StoreReadOnly { .. }
                | StepKind::StoreFailAfter { .. }
        )
    })?;
    let restarts = schedule
        .steps
        .iter()
        .filter(|s| s.at >= fault.at && matches!(s.step, StepKind::Restart(_)))
        .count();
    let others = (schedule.instances as usize).saturating_sub(1);
    (restarts + others > 0).then_some((fault, restarts + others))
}

/// `retry_discipline`: a refusal is remembered in the store (a tombstone);
/// a store that cannot take it leaves each restarted or other instance to
/// learn it once more.
fn retry_fate(schedule: &Schedule, traffic: bool) -> Fate {
    if !traffic {
        return Fate::NotExercised("no token traffic");
    }
    match unpersisted_knowledge(schedule) {
        Some((fault, learners)) => Fate::Moot {
            because: format!(
                "`{}` at {} keeps a refusal from being stored, so up to {learners} restarted or other instance(s) may each hear it once",
                fault.step.kind_name(),
                humantime::format_duration(fault.at)
            ),
            expectation: "each instance life sends a refused grant at most once; Retry-After, rate and backoff hold",
            params: Some(format!("{{ attempts_after_invalid_grant = {learners} }}")),
        },
        None => Fate::Judged("{}".to_owned()),
    }
}

/// `no_stale_overwrite`: with rotation, a rotated refresh token the store
/// could not take lives only in the process that got it; a kill, or
/// another instance reading the store, can only present the old one.
fn stale_fate(schedule: &Schedule, traffic: bool) -> Fate {
    if !traffic {
        return Fate::NotExercised("no token traffic");
    }
    match unpersisted_knowledge(schedule) {
        Some((fault, _)) if schedule.rotation_grace.is_some() => Fate::Moot {
            because: format!(
                "refresh tokens rotate and `{}` at {} keeps a rotated one out of the store while a restart or another instance needs it",
                fault.step.kind_name(),
                humantime::format_duration(fault.at)
            ),
            expectation: "the lost grant is surfaced: callers are told `revoked` once the provider refuses it",
            params: None,
        },
        _ => Fate::Judged("{}".to_owned()),
    }
}

/// `availability` (always on): its "a held, usable token must be served"
/// rule trusts the provider's clock. A broker whose own clock stepped back
/// cannot tell how old its token is, and refusing to trust it is the safe
/// choice (the reference refreshes instead); then only failures that say
/// why are left to judge, so any held token counts as unusable.
fn availability_fate(schedule: &Schedule) -> Option<Fate> {
    use super::schedule::ClockTarget;
    let back = schedule.steps.iter().find(|s| {
        matches!(
            s.step,
            StepKind::Skew {
                of: ClockTarget::Broker(_) | ClockTarget::All,
                ..
            } | StepKind::Jump {
                of: ClockTarget::Broker(_) | ClockTarget::All,
                forward: false,
                ..
            }
        )
    })?;
    Some(Fate::Moot {
        because: format!(
            "a broker's clock steps back (`{}` at {}), so it cannot tell how old the token it holds is",
            back.step.kind_name(),
            humantime::format_duration(back.at)
        ),
        expectation: "every failed call says why, even with a token held",
        params: Some(format!(
            "{{ usable_margin = \"{}\" }}",
            humantime::format_duration(schedule.token_ttl)
        )),
    })
}
