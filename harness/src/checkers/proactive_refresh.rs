use super::{Checker, Judgement, Violation, capped};
use crate::record::RunRecord;
use crate::scenario::ProactiveRefreshParams;
use mock_provider::Endpoint;

const NAME: &str = "proactive_refresh";

/// No caller is served a token with less than `margin` left at the
/// provider, and no API request presents an expired token: refreshes
/// happen ahead of expiry, not after it.
#[derive(Debug, Clone)]
pub struct ProactiveRefresh {
    params: ProactiveRefreshParams,
}

impl ProactiveRefresh {
    /// A checker with these parameters.
    pub fn new(params: ProactiveRefreshParams) -> Self {
        Self { params }
    }
}

impl Checker for ProactiveRefresh {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        let issued = run.issued_tokens();
        let served_any = run.history.served().any(|s| s.result.is_ok());
        let presented_any = run
            .journal
            .iter()
            .any(|e| e.endpoint != Endpoint::Token && !e.presented.is_empty());
        if !served_any && !presented_any {
            return Judgement::unknown(
                "no token was served and no API request presented one: nothing to judge",
            );
        }
        let mut found = Vec::new();
        for served in run.history.served() {
            let Ok(fingerprint) = &served.result else {
                continue;
            };
            let Some((seq, token)) = issued.get(fingerprint) else {
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "{} was served a token the provider never issued ({fingerprint})",
                        served.account
                    ),
                    entries: Vec::new(),
                });
                continue;
            };
            let left = token
                .expires_at
                .duration_since(served.served_at)
                .unwrap_or_default();
            if left < self.params.margin {
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "{} (instance {}) was served a token with {} left, under the {} margin (issued by #{seq})",
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
