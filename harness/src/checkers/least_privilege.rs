use super::{Checker, Judgement, Violation, capped};
use crate::broker::Capabilities;
use crate::record::RunRecord;
use mock_provider::Endpoint;

const NAME: &str = "least_privilege";

/// Every authorization request asks only for scopes the scenario declares
/// (`broker.scopes`), and every relay consumer gets only its role's scopes: a broker asking for `https://mail.google.com/` when
/// the app declared `gmail.readonly` gets a grant it never needed, and a
/// verification review it fails.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeastPrivilege;

impl Checker for LeastPrivilege {
    fn name(&self) -> &'static str {
        NAME
    }

    fn needs(&self) -> Capabilities {
        Capabilities::AUTHORIZATION
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        let relay = super::relay_least_privilege::relay_violations(run);
        if run.auth.authorize_requests.is_empty() && relay.is_none() {
            return Judgement::unknown(
                "the broker sent no authorization request and no relay consumer got a token",
            );
        }
        let declared = &run.auth.declared_scopes;
        let mut found = Vec::new();
        for request in &run.auth.authorize_requests {
            let extra: Vec<&str> = request
                .scopes
                .iter()
                .filter(|s| !declared.contains(s))
                .map(String::as_str)
                .collect();
            if extra.is_empty() {
                continue;
            }
            // The provider's journal entry for the same request, as proof.
            let entries = run
                .journal
                .iter()
                .filter(|e| e.endpoint == Endpoint::Authorize)
                .filter(|e| Some(e.seq) == request.journal_seq)
                .map(|e| e.seq)
                .collect();
            found.push(Violation {
                invariant: NAME,
                message: format!(
                    "instance {} asked {} to consent to undeclared scope(s) `{}` (declared: `{}`)",
                    request.instance,
                    request.account,
                    extra.join(" "),
                    declared.join(" ")
                ),
                entries,
            });
        }
        // Relay consumers too: each gets only its role's scopes.
        if let Some(relay) = &relay {
            found.extend(relay.iter().cloned());
        }
        Judgement::from_violations(capped(NAME, found))
    }
}
