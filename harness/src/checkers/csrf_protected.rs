use super::{Checker, Judgement, Violation, capped};
use crate::broker::Capabilities;
use crate::record::{ForgedCallback, RunRecord};
use crate::scenario::ForgeKind;
use mock_provider::Endpoint;

const NAME: &str = "csrf_protected";

/// The authorization callback cannot be forged: every authorization
/// request carries a `state` and an S256 PKCE challenge; a callback with a
/// state the broker never issued, a callback it already completed, and a
/// code from another session are all rejected; and for the first two the
/// broker does not even send the code to the token endpoint.
#[derive(Debug, Clone, Copy, Default)]
pub struct CsrfProtected;

impl Checker for CsrfProtected {
    fn name(&self) -> &'static str {
        NAME
    }

    fn needs(&self) -> Capabilities {
        Capabilities::AUTHORIZATION
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        if run.auth.authorize_requests.is_empty() && run.auth.forged_callbacks.is_empty() {
            return Judgement::unknown(
                "the broker sent no authorization request and no callback was forged",
            );
        }
        let mut found = Vec::new();
        for request in &run.auth.authorize_requests {
            if !request.has_state {
                found.push(violation(format!(
                    "instance {} sent an authorization request for {} without a state",
                    request.instance, request.account
                )));
            }
            if request.code_challenge_method.as_deref() != Some("S256") {
                found.push(violation(format!(
                    "instance {} sent an authorization request for {} with PKCE method `{}` (want `S256`)",
                    request.instance,
                    request.account,
                    request.code_challenge_method.as_deref().unwrap_or("none")
                )));
            }
        }
        for forged in &run.auth.forged_callbacks {
            if let Some(reason) = &forged.not_staged {
                found.push(violation(format!(
                    "the {:?} forgery against {} could not be staged: {reason}",
                    forged.kind, forged.account
                )));
                continue;
            }
            let exchanges = exchanges_during(run, forged);
            if forged.accepted {
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "instance {} accepted a forged callback ({:?}) for {}",
                        forged.instance, forged.kind, forged.account
                    ),
                    entries: exchanges,
                });
            } else if forged.kind != ForgeKind::ForeignCode && !exchanges.is_empty() {
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "instance {} sent the code of a forged callback ({:?}) to the token endpoint before rejecting it",
                        forged.instance, forged.kind
                    ),
                    entries: exchanges,
                });
            }
        }
        Judgement::from_violations(capped(NAME, found))
    }
}

fn violation(message: String) -> Violation {
    Violation {
        invariant: NAME,
        message,
        entries: Vec::new(),
    }
}

/// Code exchanges the provider saw while the broker handled `forged`.
fn exchanges_during(run: &RunRecord, forged: &ForgedCallback) -> Vec<u64> {
    run.journal
        .iter()
        .filter(|e| {
            e.endpoint == Endpoint::Token
                && e.grant_type.as_deref() == Some("authorization_code")
                && (forged.journal_from..forged.journal_to).contains(&e.seq)
        })
        .map(|e| e.seq)
        .collect()
}
