use super::availability::{grace_after, outage_answer};
use super::{Checker, Judgement, Violation, capped};
use crate::record::{RunRecord, ServedToken};
use crate::scenario::ProactiveRefreshParams;
use mock_provider::{Endpoint, IssuedToken, JournalEntry};

const NAME: &str = "proactive_refresh";

/// No caller is served a token with less than `margin` left at the
/// provider, and no API request presents an expired token: refreshes
/// happen ahead of expiry, not after it. A served token the provider never
/// issued is left to `availability`, which counts its call as not served.
///
/// What a broker can be blamed for is what it could have done. A token
/// still alive but inside the margin is excused while the provider is
/// failing the broker's refreshes: a refresh for the account, sent after
/// the token was issued (an attempt to replace it), got an outage answer
/// (an error status, no answer, a reset; not a refusal such as
/// `invalid_grant`) during the call or within `recovery_grace` before it.
/// The broker then tried before expiry and could not; serving what it
/// holds is availability first. A broker that never tried, an endpoint
/// that was up and an expired token are never excused.
#[derive(Debug, Clone)]
pub struct ProactiveRefresh {
    params: ProactiveRefreshParams,
}

impl ProactiveRefresh {
    /// A checker with these parameters.
    pub fn new(params: ProactiveRefreshParams) -> Self {
        Self { params }
    }

    /// The failed refresh that excuses serving `token` inside the margin,
    /// if the provider was failing the broker's attempts to replace it.
    fn outage_excuse<'r>(
        &self,
        run: &'r RunRecord,
        served: &ServedToken,
        token: &IssuedToken,
    ) -> Option<&'r JournalEntry> {
        if served.served_at >= token.expires_at {
            return None;
        }
        run.journal.iter().rev().find(|e| {
            e.is_refresh()
                && e.account.as_ref().is_none_or(|a| *a == served.account)
                && outage_answer(e)
                && e.started_at >= token.issued_at
                && e.started_at <= served.served_at
                && e.finished_at + grace_after(run, e, self.params.recovery_grace)
                    >= served.requested_at
        })
    }
}

impl Checker for ProactiveRefresh {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        let issued = run.issued_tokens();
        // A token the provider never issued has no expiry to judge a margin
        // by: it is `availability`'s (a call it answers is not served).
        let served_any = run
            .history
            .served()
            .any(|s| s.result.as_ref().is_ok_and(|f| issued.contains_key(f)));
        let presented_any = run
            .journal
            .iter()
            .any(|e| e.endpoint != Endpoint::Token && !e.presented.is_empty());
        if !served_any && !presented_any {
            return Judgement::unknown(
                "no token the provider issued was served and no API request presented one: nothing to judge",
            );
        }
        let mut found = Vec::new();
        for served in run.history.served() {
            let Ok(fingerprint) = &served.result else {
                continue;
            };
            let Some((seq, token)) = issued.get(fingerprint) else {
                continue;
            };
            let left = token
                .expires_at
                .duration_since(served.served_at)
                .unwrap_or_default();
            if left < self.params.margin && self.outage_excuse(run, served, token).is_none() {
                let why = if left.is_zero() {
                    "it had expired"
                } else {
                    "no outage was failing a refresh of it"
                };
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "{} (instance {}) was served a token with {} left, under the {} margin (issued by #{seq}; {why})",
                        served.account,
                        served.instance,
                        super::human_duration(left),
                        super::human_duration(self.params.margin)
                    ),
                    entries: vec![*seq],
                });
            }
        }
        for entry in run.journal.iter().filter(|e| e.endpoint != Endpoint::Token) {
            for fingerprint in &entry.presented {
                if let Some((seq, token)) = issued.get(fingerprint)
                    && token.expires_at <= entry.started_at
                {
                    found.push(Violation {
                        invariant: NAME,
                        message: format!(
                            "request #{} presented an expired access token (issued by #{seq})",
                            entry.seq
                        ),
                        entries: vec![*seq, entry.seq],
                    });
                }
            }
        }
        Judgement::from_violations(capped(NAME, found))
    }
}
