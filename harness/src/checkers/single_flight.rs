use super::{Checker, Judgement, Violation, capped};
use crate::record::{KILLED_AT_STORE_WRITE, RunRecord};
use crate::scenario::SingleFlightParams;
use mock_provider::{GrantId, JournalEntry};

const NAME: &str = "single_flight_refresh";

/// Per grant: no two refresh requests are in flight at once, and a fresh
/// token is not refreshed again (at most one refresh per token generation;
/// retries after a failure, and refreshes after the token was rejected with
/// 401, are allowed).
///
/// A fleet sharing a store shares each grant, so it is judged per fleet. In
/// a fleet with a store each every instance has grants of its own
/// ([`RunRecord::own_grants`]), so it is judged per instance: a violation
/// names the instance, and an instance that never refreshed makes the
/// verdict unknown.
#[derive(Debug, Clone)]
pub struct SingleFlightRefresh {
    params: SingleFlightParams,
}

impl SingleFlightRefresh {
    /// A checker with these parameters.
    pub fn new(params: SingleFlightParams) -> Self {
        Self { params }
    }

    /// Each refresh that starts while `max_in_flight` others of the grant
    /// are still in flight.
    fn overlaps(&self, refreshes: &[&JournalEntry], grant: &GrantId) -> Vec<Violation> {
        let max = self.params.max_in_flight.max(1) as usize;
        let mut found = Vec::new();
        let mut open: Vec<&JournalEntry> = Vec::new();
        for entry in refreshes {
            // Two requests that arrive at the same simulated instant are
            // concurrent even when both take no time.
            open.retain(|earlier| {
                entry.started_at < earlier.finished_at || entry.started_at == earlier.started_at
            });
            if open.len() >= max {
                let earlier = open[open.len() - 1];
                found.push(Violation {
                    invariant: NAME,
                    message: if max == 1 {
                        format!(
                            "grant {grant}: refresh #{} started while refresh #{} was still in flight",
                            entry.seq, earlier.seq
                        )
                    } else {
                        format!(
                            "grant {grant}: refresh #{} started while {} others (up to #{}) were still in flight, over the bound of {max}",
                            entry.seq,
                            open.len(),
                            earlier.seq
                        )
                    },
                    entries: vec![earlier.seq, entry.seq],
                });
            }
            open.push(entry);
        }
        found
    }

    fn redundant(
        &self,
        refreshes: &[&JournalEntry],
        run: &RunRecord,
        grant: &GrantId,
    ) -> Vec<Violation> {
        let mut found = Vec::new();
        for pair in refreshes.windows(2) {
            let (previous, entry) = (pair[0], pair[1]);
            let Some(issued) = previous.issued.as_ref().filter(|_| previous.succeeded()) else {
                continue; // a retry after a failure is fine
            };
            if run.token_rejected_before(&issued.fingerprint, entry.started_at) {
                continue; // the provider said the token is no good: refreshing is right
            }
            if run.email.volatile_store && restarted_between(run, previous, entry, "") {
                continue; // a kill -9 emptied a memory store: the token went with it
            }
            if restarted_between(run, previous, entry, KILLED_AT_STORE_WRITE) {
                continue; // killed while storing it: the token died unstored
            }
            let lifetime = issued
                .expires_at
                .duration_since(issued.issued_at)
                .unwrap_or_default();
            let age = entry
                .started_at
                .duration_since(issued.issued_at)
                .unwrap_or_default();
            if age.as_secs_f64() < lifetime.as_secs_f64() * self.params.min_token_age_fraction {
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "grant {grant}: refresh #{} replaced a token issued by #{} only {} earlier (lifetime {})",
                        entry.seq,
                        previous.seq,
                        super::human_duration(age),
                        super::human_duration(lifetime)
                    ),
                    entries: vec![previous.seq, entry.seq],
                });
            }
        }
        found
    }
}

/// True when an instance was killed and restarted between the two
/// refreshes (`restart` events whose text has `saying`).
fn restarted_between(
    run: &RunRecord,
    previous: &JournalEntry,
    entry: &JournalEntry,
    saying: &str,
) -> bool {
    run.history.timeline().any(|event| {
        event.kind == "restart"
            && event.what.contains(saying)
            && event.at >= previous.started_at
            && event.at <= entry.started_at
    })
}

impl Checker for SingleFlightRefresh {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        let by_grant = run.refreshes_by_grant();
        if by_grant.is_empty() {
            return Judgement::unknown("no refresh reached the provider: nothing to judge");
        }
        let mut found = Vec::new();
        for (grant, refreshes) in &by_grant {
            let mut violations = self.overlaps(refreshes, grant);
            violations.extend(self.redundant(refreshes, run, grant));
            if let Some(instance) = owner(run, grant) {
                for violation in &mut violations {
                    violation.message = format!(
                        "per instance: instance {instance} (a store of its own): {}",
                        violation.message
                    );
                }
            }
            found.extend(violations);
        }
        if found.is_empty()
            && let Some(instance) = unjudged_instance(run, &by_grant)
        {
            // A fleet with a store each is judged instance by instance: one
            // that never refreshed says nothing about its own single flight.
            return Judgement::unknown(format!(
                "instance {instance} (a store of its own) sent no refresh: its single flight cannot be judged"
            ));
        }
        Judgement::from_violations(capped(NAME, found))
    }
}

/// The instance whose own grant `grant` is, in a fleet with a store each.
fn owner(run: &RunRecord, grant: &GrantId) -> Option<u32> {
    run.own_grants
        .iter()
        .find(|(_, owned)| owned == grant)
        .map(|(instance, _)| *instance)
}

/// The first instance of a fleet with a store each none of whose grants
/// was refreshed.
fn unjudged_instance(
    run: &RunRecord,
    by_grant: &std::collections::BTreeMap<&GrantId, Vec<&JournalEntry>>,
) -> Option<u32> {
    let mut instances: Vec<u32> = run.own_grants.iter().map(|(i, _)| *i).collect();
    instances.dedup();
    instances.into_iter().find(|instance| {
        !run.own_grants
            .iter()
            .any(|(owner, grant)| owner == instance && by_grant.contains_key(grant))
    })
}
