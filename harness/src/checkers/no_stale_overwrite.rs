use super::{Checker, Judgement, Violation, capped};
use crate::record::RunRecord;
use mock_provider::{Fingerprint, GrantId};
use std::collections::BTreeMap;
use std::time::SystemTime;

const NAME: &str = "no_stale_overwrite";

/// Rotation-safe persistence: a store's version for an account only ever
/// goes up (no writer overwrote a newer grant with an older one), and when
/// the provider rotates refresh tokens, a rotated-out refresh token is
/// never presented again after its grace (which is what a lost or stale
/// write looks like from the provider's side, and what reuse detection
/// punishes by revoking the grant).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoStaleOverwrite;

impl Checker for NoStaleOverwrite {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        let rotation = run.auth.rotation_grace.is_some()
            && run.journal.iter().any(|e| e.is_refresh() && e.succeeded());
        if run.auth.store_writes.is_empty() && !rotation {
            return Judgement::unknown(
                "no store write was observed and no refresh token was rotated: nothing to judge",
            );
        }
        let mut found = store_going_back(run);
        found.extend(rotated_out_presented(run));
        Judgement::from_violations(capped(NAME, found))
    }
}

fn store_going_back(run: &RunRecord) -> Vec<Violation> {
    let mut found = Vec::new();
    let mut last: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for write in &run.auth.store_writes {
        let key = (write.store.as_str(), write.account.as_str());
        if let Some(&before) = last.get(&key)
            && write.version <= before
        {
            let message = if write.version == before {
                format!(
                    "store `{}` was written at version {before} twice for {}: the second writer worked from an older copy and replaced the newer grant",
                    write.store, write.account
                )
            } else {
                format!(
                    "store `{}` went back from version {before} to {} for {}",
                    write.store, write.version, write.account
                )
            };
            found.push(Violation {
                invariant: NAME,
                message,
                entries: Vec::new(),
            });
        }
        last.insert(key, write.version);
    }
    found
}

fn rotated_out_presented(run: &RunRecord) -> Vec<Violation> {
    let Some(grace) = run.auth.rotation_grace else {
        return Vec::new();
    };
    let mut found = Vec::new();
    // Per grant: each refresh token a successful refresh rotated out, with
    // the entry and the time it happened.
    let mut rotated: BTreeMap<(GrantId, Fingerprint), (u64, SystemTime)> = BTreeMap::new();
    for entry in run.journal.iter().filter(|e| e.is_refresh()) {
        let Some(grant) = &entry.grant_id else {
            continue;
        };
        for token in &entry.presented {
            let key = (grant.clone(), token.clone());
            if let Some(&(seq, at)) = rotated.get(&key)
                && entry.started_at > at + grace
            {
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "#{} presented a refresh token #{} had rotated out {} earlier (grace {})",
                        entry.seq,
                        seq,
                        super::human_duration(
                            entry.started_at.duration_since(at).unwrap_or_default()
                        ),
                        super::human_duration(grace)
                    ),
                    entries: vec![seq, entry.seq],
                });
            }
        }
        if entry.succeeded() {
            for token in &entry.presented {
                rotated
                    .entry((grant.clone(), token.clone()))
                    .or_insert((entry.seq, entry.finished_at));
            }
        }
    }
    found
}
