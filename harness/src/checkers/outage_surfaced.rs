use super::{Checker, Violation, capped};
use crate::run::RunRecord;
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

    fn check(&self, run: &RunRecord) -> Vec<Violation> {
        let mut found = Vec::new();
        for (revocation, account) in super::outage_store::grant_killers(run) {
            let account = &account;
            let Some(told) = run.journal.iter().find(|e| {
                e.is_refresh()
                    && e.account.as_ref() == Some(account)
                    && e.started_at >= revocation.at
                    && e.error.as_deref() == Some("invalid_grant")
            }) else {
                continue; // the broker never learned of it during the run
            };
            let deadline = told.finished_at + self.params.within;
            let samples: Vec<_> = run
                .status_samples
                .iter()
                .filter(|s| s.at >= told.finished_at)
                .collect();
            let Some(judge) = samples.iter().find(|s| s.at >= deadline) else {
                continue; // the run ended before the bound ran out
            };
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
                        "{account}: the provider answered invalid_grant at #{} but {:.1}s later status() still said `{said}` (bound {})",
                        told.seq,
                        judge
                            .at
                            .duration_since(told.finished_at)
                            .unwrap_or_default()
                            .as_secs_f64(),
                        humantime::format_duration(self.params.within)
                    ),
                    entries: vec![told.seq],
                });
            }
        }
        found.extend(super::outage_store::store_outages_surfaced(
            run,
            &self.params,
            NAME,
        ));
        capped(NAME, found)
    }
}
