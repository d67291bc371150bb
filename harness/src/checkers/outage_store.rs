//! The parts of `outage_surfaced` for lifecycle events other than a user's
//! revocation, and for store outages.

use super::Violation;
use crate::record::{RunRecord, TimelineEvent};
use crate::scenario::OutageSurfacedParams;
use std::collections::BTreeSet;

/// Timeline events that kill a grant without the broker's doing.
const GRANT_KILLERS: &[&str] = &[
    "revoke_account",
    "change_password",
    "evict_by_limit",
    "jump_clock",
];

/// States that say the store is in trouble (or worse).
const NOT_OK: &[&str] = &["degraded", "needs_reauth", "revoked"];

/// Each grant-killing event with each account it may have killed: its own
/// account, or (a clock jump) every account refused afterwards.
pub(super) fn grant_killers(run: &RunRecord) -> Vec<(&TimelineEvent, String)> {
    let mut pairs = Vec::new();
    for event in run
        .history
        .timeline()
        .filter(|e| GRANT_KILLERS.contains(&e.kind))
    {
        match &event.account {
            Some(account) => pairs.push((event, account.clone())),
            None => {
                let refused: BTreeSet<&String> = run
                    .journal
                    .iter()
                    .filter(|e| e.is_refresh() && e.started_at >= event.at)
                    .filter(|e| e.error.as_deref() == Some("invalid_grant"))
                    .filter_map(|e| e.account.as_ref())
                    .collect();
                pairs.extend(refused.into_iter().map(|a| (event, a.clone())));
            }
        }
    }
    pairs
}

/// After a store turns read-only or unavailable, the broker's next
/// successful refresh has a token it cannot persist: within the bound,
/// `status()` must say `degraded` (or worse) for that account, unless the
/// store recovered first. Also returns how many outages it could judge.
pub(super) fn store_outages_surfaced(
    run: &RunRecord,
    params: &OutageSurfacedParams,
    name: &'static str,
) -> (Vec<Violation>, usize) {
    let mut found = Vec::new();
    let mut judged = 0;
    for fault in run.history.timeline().filter(|e| {
        e.kind == "store_fault"
            && (e.what.starts_with("ReadOnly(true)") || e.what.starts_with("Outage(true)"))
    }) {
        let recovered_at = run
            .history
            .timeline()
            .filter(|e| e.kind == "store_fault" && e.at > fault.at)
            .map(|e| e.at)
            .min();
        let Some(refresh) = run
            .journal
            .iter()
            .find(|e| e.is_refresh() && e.succeeded() && e.started_at >= fault.at)
        else {
            continue; // nothing to persist during the run
        };
        let Some(account) = &refresh.account else {
            continue;
        };
        let deadline = refresh.finished_at + params.within;
        if recovered_at.is_some_and(|at| at <= deadline) {
            continue;
        }
        let samples: Vec<_> = run
            .history
            .status_samples()
            .filter(|s| s.at >= refresh.finished_at)
            .collect();
        let Some(judge) = samples.iter().find(|s| s.at >= deadline) else {
            continue;
        };
        judged += 1;
        let surfaced = samples.iter().filter(|s| s.at <= judge.at).any(|s| {
            s.accounts
                .iter()
                .any(|a| &a.account == account && NOT_OK.contains(&a.state.as_str()))
        });
        if !surfaced {
            found.push(Violation {
                invariant: name,
                message: format!(
                    "{account}: the store failed ({}) and the refresh at #{} could not be persisted, but status() never said `degraded` within {}",
                    fault.what,
                    refresh.seq,
                    humantime::format_duration(params.within)
                ),
                entries: vec![refresh.seq],
            });
        }
    }
    (found, judged)
}
