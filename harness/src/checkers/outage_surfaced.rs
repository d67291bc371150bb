use super::{Checker, Judgement, Violation, capped};
use crate::broker::Capabilities;
use crate::record::RunRecord;
use crate::scenario::OutageSurfacedParams;

const NAME: &str = "outage_surfaced";

/// States that count as surfacing a dead grant.
const SURFACED: &[&str] = &["needs_reauth", "revoked"];

/// After a revocation, once the broker has been told `invalid_grant` for
/// the account, some instance's `status()` says so within `within`: no
/// silent outage. Password changes, evictions by the refresh-token limit
/// and clock jumps (Testing-mode expiry) count as revocations. A store
/// that turned read-only or unavailable must show as `degraded` (or worse)
/// within the bound after the broker's next refresh (see `outage_store.rs`).
/// The other way round, a status that says `needs_reauth` (or `revoked`)
/// for an account whose grant the provider never refused is a false alarm
/// that sends a user to re-consent for nothing.
///
/// Unknown without status samples, or when no sample named an account.
#[derive(Debug, Clone)]
pub struct OutageSurfaced {
    params: OutageSurfacedParams,
}

impl OutageSurfaced {
    /// A checker with these parameters.
    pub fn new(params: OutageSurfacedParams) -> Self {
        Self { params }
    }
}

impl Checker for OutageSurfaced {
    fn name(&self) -> &'static str {
        NAME
    }

    fn needs(&self) -> Capabilities {
        Capabilities::STATUS
    }

    fn judges_steps_of(&self) -> Capabilities {
        Capabilities::STATUS.and(Capabilities::STORE_FAULTS)
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        if run.history.status_samples().next().is_none() {
            return Judgement::unknown("no status() sample was taken");
        }
        let mut found = Vec::new();
        let mut judged = 0;
        for (revocation, account) in super::outage_store::grant_killers(run) {
            let account = &account;
            let Some(told) = run.journal.iter().find(|e| {
                e.is_refresh()
                    && e.account.as_ref() == Some(account)
                    && e.started_at >= revocation.at
                    && e.error.as_deref() == Some("invalid_grant")
                    // a refusal whose answer was lost told the broker nothing
                    && e.status != 0
            }) else {
                continue; // the broker never learned of it during the run
            };
            let deadline = told.finished_at + self.params.within;
            let samples: Vec<_> = run
                .history
                .status_samples()
                .filter(|s| s.at >= told.finished_at)
                .collect();
            let Some(judge) = samples.iter().find(|s| s.at >= deadline) else {
                continue; // the run ended before the bound ran out
            };
            judged += 1;
            let surfaced = samples.iter().filter(|s| s.at <= judge.at).any(|s| {
                s.accounts
                    .iter()
                    .any(|a| &a.account == account && SURFACED.contains(&a.state.as_str()))
            });
            if !surfaced {
                let said = judge
                    .accounts
                    .iter()
                    .find(|a| &a.account == account)
                    .map_or("nothing", |a| a.state.as_str());
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "{account}: the provider answered invalid_grant at #{} but {} later status() still said `{said}` (bound {})",
                        told.seq,
                        super::human_duration(
                            judge
                                .at
                                .duration_since(told.finished_at)
                                .unwrap_or_default()
                        ),
                        humantime::format_duration(self.params.within)
                    ),
                    entries: vec![told.seq],
                });
            }
        }
        let (store_found, store_judged) =
            super::outage_store::store_outages_surfaced(run, &self.params, NAME);
        found.extend(store_found);
        let (alarms, reports) = false_alarms(run);
        found.extend(alarms);
        if judged + store_judged + reports == 0 {
            return Judgement::unknown("no status() sample named an account: nothing to judge");
        }
        Judgement::from_violations(capped(NAME, found))
    }
}

/// Status reports of a dead grant for an account the provider never
/// refused before the sample; also how many account reports were read.
fn false_alarms(run: &RunRecord) -> (Vec<Violation>, usize) {
    let mut found = Vec::new();
    let mut reports = 0;
    // Across a step back of the provider's clock, any refusal counts.
    let provider_stepped_back = super::clock_steps::provider_stepped_back(run);
    for sample in run.history.status_samples() {
        for report in &sample.accounts {
            reports += 1;
            if !SURFACED.contains(&report.state.as_str()) {
                continue;
            }
            let refused = run.journal.iter().any(|e| {
                e.endpoint == mock_provider::Endpoint::Token
                    && e.account.as_ref() == Some(&report.account)
                    && (provider_stepped_back || e.finished_at <= sample.answered_at)
                    && e.status != 0
                    && e.error.as_deref().is_some_and(|err| {
                        ["invalid_grant", "invalid_client", "unauthorized_client"].contains(&err)
                    })
            });
            if !refused && found.is_empty() {
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "instance {} said `{}` for {} although the provider never refused its grant: a false alarm",
                        sample.instance, report.state, report.account
                    ),
                    entries: Vec::new(),
                });
            }
        }
    }
    (found, reports)
}
