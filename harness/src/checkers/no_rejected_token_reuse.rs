use super::{Checker, Judgement, Violation, capped};
use crate::record::{AfterRejection, ApiCall, RunRecord};
use mock_provider::Fingerprint;
use std::collections::{BTreeSet, HashMap};

const NAME: &str = "no_rejected_token_reuse";

/// After an API answered 401 to a token (early invalidation, revocation, a
/// password change) and the app told the broker so, the broker never
/// serves that token again:
///
/// - the token it answers the report with is not the rejected one, and was
///   issued after it: either a refresh ran, or a newer token already
///   existed (another caller's 401 or a proactive refresh got there first);
/// - no later call on that instance is served the rejected token.
///
/// Unknown when no API call was answered 401 (nothing was rejected).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRejectedTokenReuse;

impl NoRejectedTokenReuse {
    /// True when the run holds a rejection to judge.
    fn has_data(run: &RunRecord) -> bool {
        rejections(run).next().is_some()
    }
}

/// Every API call answered 401 whose token the harness reported, with the
/// report.
fn rejections(run: &RunRecord) -> impl Iterator<Item = (&ApiCall, &Fingerprint, &AfterRejection)> {
    run.auth.api_calls.iter().filter_map(|call| {
        let rejected = call.token.as_ref().ok()?;
        let after = call.after_401.as_ref()?;
        Some((call, rejected, after))
    })
}

impl Checker for NoRejectedTokenReuse {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        if !Self::has_data(run) {
            return Judgement::unknown(
                "no API call was answered 401 and reported to the broker: nothing to judge",
            );
        }
        let issued: HashMap<Fingerprint, u64> = run
            .issued_tokens()
            .into_iter()
            .map(|(fingerprint, (seq, _))| (fingerprint, seq))
            .collect();
        let mut found = Vec::new();
        let mut reported = BTreeSet::new();
        for (call, rejected, after) in rejections(run) {
            let rejection = call.journal_seq;
            if let Ok(answer) = &after.token {
                found.extend(judge_answer(call, rejected, answer, rejection, &issued));
            }
            if !reported.insert((call.instance, rejected)) {
                // Two calls reporting one token: its later servings once.
                continue;
            }
            let again = run.history.served().filter(|s| {
                s.instance == call.instance
                    && s.account == call.account
                    && s.requested_at > after.answered_at
                    && s.result.as_ref() == Ok(rejected)
            });
            if let Some(first) = again.clone().next() {
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "{} (instance {}) was served the token Gmail rejected with 401 (#{}) {} more time(s) after the broker was told, first {} later",
                        call.account,
                        call.instance,
                        rejection.map_or_else(|| "?".to_owned(), |seq| seq.to_string()),
                        again.count(),
                        super::human_duration(
                            first
                                .requested_at
                                .duration_since(after.answered_at)
                                .unwrap_or_default()
                        )
                    ),
                    entries: rejection.into_iter().collect(),
                });
            }
        }
        Judgement::from_violations(capped(NAME, found))
    }
}

/// The broker's answer to the report: a token issued after the rejected one.
fn judge_answer(
    call: &ApiCall,
    rejected: &Fingerprint,
    answer: &Fingerprint,
    rejection: Option<u64>,
    issued: &HashMap<Fingerprint, u64>,
) -> Option<Violation> {
    let entries: Vec<u64> = rejection.into_iter().collect();
    if answer == rejected {
        return Some(Violation {
            invariant: NAME,
            message: format!(
                "{} (instance {}): told that Gmail answered 401 to its token, the broker served the same token again instead of refreshing",
                call.account, call.instance
            ),
            entries,
        });
    }
    // A token the provider never issued is `proactive_refresh`'s to report.
    let (Some(old), Some(new)) = (issued.get(rejected), issued.get(answer)) else {
        return None;
    };
    (new < old).then(|| Violation {
        invariant: NAME,
        message: format!(
            "{} (instance {}): told that Gmail answered 401 to the token issued by #{old}, the broker served an older one (issued by #{new})",
            call.account, call.instance
        ),
        entries: entries.into_iter().chain([*old, *new]).collect(),
    })
}
