//! The relay half of `least_privilege`: every token a relay consumer got
//! carries only its role's scopes (as the provider recorded them).

use super::Violation;
use crate::record::RunRecord;

/// Violations of consumers that got scopes outside their role; `None` when no
/// consumer got a token whose scopes the provider could tell (nothing to judge).
pub(super) fn relay_violations(run: &RunRecord) -> Option<Vec<Violation>> {
    let mut found = Vec::new();
    let mut judged = false;
    for call in &run.gateway.relay_calls {
        let Ok(scopes) = &call.result else {
            continue;
        };
        if scopes.is_empty() {
            // The provider no longer knew the token (expired or revoked).
            continue;
        }
        judged = true;
        let Some(allowed) = run.gateway.consumer_scopes.get(&call.consumer) else {
            continue;
        };
        let extra: Vec<&str> = scopes
            .iter()
            .filter(|scope| !allowed.contains(scope))
            .map(String::as_str)
            .collect();
        if !extra.is_empty() {
            found.push(Violation {
                invariant: "least_privilege",
                message: format!(
                    "relay consumer `{}` got a token with scope(s) `{}` outside its role (`{}`)",
                    call.consumer,
                    extra.join(" "),
                    allowed.join(" ")
                ),
                entries: Vec::new(),
            });
        }
    }
    judged.then_some(found)
}
