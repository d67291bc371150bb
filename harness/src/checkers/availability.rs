use super::served_token_owner::{NotTheAccountsToken, TokenOwners};
use super::{Checker, Judgement, Violation, capped};
use crate::broker::FailureKind;
use crate::record::{RunRecord, ServedToken};
use crate::scenario::AvailabilityParams;
use mock_provider::{Endpoint, Fingerprint, IssuedToken, JournalEntry};
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

const NAME: &str = "availability";

/// Token-endpoint errors that end a grant: only the user can fix them.
const PERMANENT: &[&str] = &[
    "invalid_grant",
    "invalid_client",
    "unauthorized_client",
    "invalid_rapt",
];

/// Always checked: every `access_token` call the timeline makes is served,
/// unless the scenario made serving impossible, and then the failure says
/// why in the right kind (docs/SCENARIOS.md, "availability"):
///
/// - a call is served only by a token the provider issued for the account
///   asked for, and not already expired at the provider when the call was
///   made: a made-up token, another account's, or an expired one is a
///   violation (an expired one is excused when the provider's clock moved
///   alone);
/// - the provider refused the account's grant (`invalid_grant` and the
///   like, with no new consent since): the call must fail as `revoked`;
/// - `revoked` without such a refusal is a false alarm;
/// - while the instance holds a token it was served that is still usable
///   (unexpired beyond the usable margin, never rejected with a 401), no
///   failure is excused: a store outage or a provider outage is no reason
///   to stop serving it;
/// - without one, `transient` is excused only by the provider failing a
///   token request for the account during the call or within the recovery
///   grace before it, and `storage` only by a store outage on the instance
///   while no refresh for the account succeeded;
/// - `other` and `unsupported` are never excused; timeouts, crashes and
///   protocol errors are `broker_responsive`'s; calls the harness killed
///   (`restart`) are excused.
///
/// Unknown when the timeline made no `access_token` call.
#[derive(Debug, Clone)]
pub struct Availability {
    params: AvailabilityParams,
}

impl Availability {
    /// A checker with these parameters.
    pub fn new(params: AvailabilityParams) -> Self {
        Self { params }
    }
}

impl Checker for Availability {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        if run.history.served().next().is_none() {
            return Judgement::unknown("the timeline made no access_token call");
        }
        let issued = run.issued_tokens();
        let owners = TokenOwners::of(run);
        let mut held = HeldTokens::default();
        // Unexcused calls by rule and failure kind (none for a call answered
        // with a token that was not the account's): (first violation,
        // count, last call).
        let mut groups: Vec<(Rule, Option<FailureKind>, Violation, usize, SystemTime)> = Vec::new();
        for call in run.history.served() {
            let judged = match &call.result {
                Ok(fingerprint) => match owners.judge(fingerprint, &call.account) {
                    Some(wrong) => Some((None, wrong_token(run, call, fingerprint, wrong))),
                    None => {
                        let token = issued.get(fingerprint);
                        if let Some((seq, token)) = token {
                            held.served(call, *seq, token);
                        }
                        token
                            .and_then(|(seq, token)| expired_before_asked(run, call, *seq, token))
                            .map(|judged| (None, judged))
                    }
                },
                Err(kind) if *kind == FailureKind::Killed || kind.is_broker_fault() => None,
                Err(kind) => {
                    let cached = held.usable(run, call, &self.params);
                    self.judge_failure(run, call, *kind, cached)
                        .map(|judged| (Some(*kind), judged))
                }
            };
            let Some((kind, (rule, problem))) = judged else {
                continue;
            };
            match groups.iter_mut().find(|g| g.0 == rule && g.1 == kind) {
                Some(group) => {
                    group.3 += 1;
                    group.4 = call.requested_at;
                }
                None => groups.push((rule, kind, problem, 1, call.requested_at)),
            }
        }
        let found = groups
            .into_iter()
            .map(|(_, _, mut first, count, last)| {
                if count > 1 {
                    first.message = format!(
                        "{count} calls like this, the last at +{}; the first: {}",
                        since_start(run, last),
                        first.message
                    );
                }
                first
            })
            .collect();
        Judgement::from_violations(capped(NAME, found))
    }
}

/// The tokens each (instance, account) was served so far, in the order
/// the calls completed: what the instance could serve again.
#[derive(Debug, Default)]
struct HeldTokens<'r> {
    by_caller: HashMap<(u32, &'r str), Vec<Held<'r>>>,
}

#[derive(Debug, Clone, Copy)]
struct Held<'r> {
    requested_at: SystemTime,
    seq: u64,
    token: &'r IssuedToken,
}

impl<'r> HeldTokens<'r> {
    fn served(&mut self, call: &'r ServedToken, seq: u64, token: &'r IssuedToken) {
        let held = self
            .by_caller
            .entry((call.instance, call.account.as_str()))
            .or_default();
        if held
            .last()
            .is_some_and(|h| h.token.fingerprint == token.fingerprint)
        {
            return;
        }
        held.push(Held {
            requested_at: call.requested_at,
            seq,
            token,
        });
    }

    /// The latest-expiring token the instance was served for the account
    /// since its last restart, if it is still usable when `call` ends:
    /// more than the usable margin left, and never rejected with a 401.
    fn usable(
        &self,
        run: &RunRecord,
        call: &ServedToken,
        params: &AvailabilityParams,
    ) -> Option<(u64, &'r IssuedToken)> {
        let instance = format!("instance {} ", call.instance);
        let restarted = run
            .history
            .timeline()
            .filter(|e| e.kind == "restart" && e.at <= call.requested_at)
            .filter(|e| e.what.starts_with(&instance))
            .map(|e| e.at)
            .max();
        let latest = self
            .by_caller
            .get(&(call.instance, call.account.as_str()))?
            .iter()
            .filter(|h| restarted.is_none_or(|at| h.requested_at > at))
            .max_by_key(|h| h.token.expires_at)?;
        let token = latest.token;
        let lifetime = token
            .expires_at
            .duration_since(token.issued_at)
            .unwrap_or_default();
        let margin = params.usable_margin.min(lifetime / 4);
        let left = token
            .expires_at
            .duration_since(call.served_at)
            .unwrap_or_default();
        let usable =
            left > margin && !run.token_rejected_before(&token.fingerprint, call.served_at);
        usable.then_some((latest.seq, token))
    }
}

/// Why a call answered with a token was not served: the token was not
/// the account's (docs/SCENARIOS.md, "availability").
fn wrong_token(
    run: &RunRecord,
    call: &ServedToken,
    token: &Fingerprint,
    wrong: NotTheAccountsToken<'_>,
) -> (Rule, Violation) {
    let who = format!(
        "access_token({}) on instance {} at +{}",
        call.account,
        call.instance,
        since_start(run, call.requested_at)
    );
    match wrong {
        NotTheAccountsToken::NeverIssued => (
            Rule::NeverIssued,
            Violation {
                invariant: NAME,
                message: format!(
                    "{who} was answered with a token the provider never issued ({token}): no API would accept it"
                ),
                entries: Vec::new(),
            },
        ),
        NotTheAccountsToken::OtherAccount { owner, seq } => (
            Rule::OtherAccountsToken,
            Violation {
                invariant: NAME,
                message: format!(
                    "{who} was answered with a token the provider issued for {owner} (#{seq}): the caller would act as another user"
                ),
                entries: vec![seq],
            },
        ),
    }
}

/// A token that had expired at the provider before the caller even asked
/// is no service: every API answers it 401. Not blamed when the provider's
/// clock moved alone (its tokens then expire earlier than a broker's clock
/// can tell until the provider is heard again).
fn expired_before_asked(
    run: &RunRecord,
    call: &ServedToken,
    seq: u64,
    token: &IssuedToken,
) -> Option<(Rule, Violation)> {
    if call.requested_at < token.expires_at
        || super::clock_steps::provider_moved_alone_by(run, call.served_at)
    {
        return None;
    }
    let expired_for = call
        .requested_at
        .duration_since(token.expires_at)
        .unwrap_or_default();
    Some((
        Rule::ExpiredToken,
        Violation {
            invariant: NAME,
            message: format!(
                "access_token({}) on instance {} at +{} was answered with a token that had expired {} before the call (issued by #{seq}): no API would accept it",
                call.account,
                call.instance,
                since_start(run, call.requested_at),
                humantime::format_duration(whole_seconds(expired_for))
            ),
            entries: vec![seq],
        },
    ))
}

/// Which availability rule an unexcused call broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Answered with a token the provider never issued.
    NeverIssued,
    /// Answered with a token the provider issued for another account.
    OtherAccountsToken,
    /// Answered with a token that had expired before the call.
    ExpiredToken,
    /// The grant was refused, but the failure did not say `revoked`.
    WrongKindForRefusedGrant,
    /// `revoked` without a refusal.
    FalseRevocation,
    /// A usable token was held and not served.
    HeldTokenNotServed,
    /// No fault or outage explains the failure.
    NoExcuse,
}

impl Availability {
    /// Which rule `call`'s failure of `kind` breaks, if it is not excused.
    fn judge_failure(
        &self,
        run: &RunRecord,
        call: &ServedToken,
        kind: FailureKind,
        cached: Option<(u64, &IssuedToken)>,
    ) -> Option<(Rule, Violation)> {
        let who = format!(
            "access_token({}) on instance {} at +{}",
            call.account,
            call.instance,
            since_start(run, call.requested_at)
        );
        let refusal = grant_refusal(run, call);
        if let Some(refused) = refusal
            && kind == FailureKind::Transient
            && self.failing_since(run, call, refused.finished_at)
        {
            // The refusal went to another instance (or was lost with a
            // store that could not take its tombstone), and the provider
            // answered this account's later request with a fault, not a
            // refusal: `transient` is what that request said. Sending it at
            // all is `retry_discipline`'s to judge.
            return None;
        }
        if refusal.is_some()
            && kind != FailureKind::Revoked
            && super::clock_steps::provider_stepped_back(run)
        {
            // Across a step back of the provider's clock any refusal in the
            // run excuses `revoked`, but provider times cannot say whether
            // this one came before the call: it cannot demand `revoked`.
            return None;
        }
        if let Some(refused) = refusal {
            // An instance restarted since the refusal, whose store is down,
            // cannot read what it remembered of it: `storage` is the truth.
            let forgotten = kind == FailureKind::Storage
                && store_down(run, call)
                && restarted_between(run, call.instance, refused.finished_at, call.served_at);
            return (kind != FailureKind::Revoked && !forgotten).then(|| (Rule::WrongKindForRefusedGrant, Violation {
                invariant: NAME,
                message: format!(
                    "{who} failed as `{}`, but the provider had refused the grant ({} at #{}): it should say `revoked`",
                    kind.name(),
                    refused.error.as_deref().unwrap_or("refused"),
                    refused.seq
                ),
                entries: vec![refused.seq],
            }));
        }
        if kind == FailureKind::Revoked {
            return Some((
                Rule::FalseRevocation,
                Violation {
                    invariant: NAME,
                    message: format!(
                        "{who} failed as `revoked`, but the provider never refused the grant: a false alarm that sends the user to re-consent"
                    ),
                    entries: Vec::new(),
                },
            ));
        }
        if let Some((seq, token)) = cached {
            let left = token
                .expires_at
                .duration_since(call.served_at)
                .unwrap_or_default();
            return Some((
                Rule::HeldTokenNotServed,
                Violation {
                    invariant: NAME,
                    message: format!(
                        "{who} failed as `{}` while the instance held a token still valid for {} (issued by #{seq}): it should have served it",
                        kind.name(),
                        humantime::format_duration(whole_seconds(left))
                    ),
                    entries: vec![seq],
                },
            ));
        }
        let excused = match kind {
            FailureKind::Transient => self.provider_failing(run, call).is_some(),
            FailureKind::Storage => store_down(run, call) && !refreshed_during(run, call),
            _ => false,
        };
        if excused {
            return None;
        }
        let why = match kind {
            FailureKind::Transient => format!(
                "the provider answered every token request for the account normally from {} before the call to its end",
                humantime::format_duration(self.params.recovery_grace)
            ),
            FailureKind::Storage => {
                "no store outage was in force on the instance (a read-only or failing store still lets a broker refresh and serve from memory)".to_owned()
            }
            _ => "a failure of this kind is never excused".to_owned(),
        };
        Some((
            Rule::NoExcuse,
            Violation {
                invariant: NAME,
                message: format!("{who} failed as `{}`, but {why}", kind.name()),
                entries: Vec::new(),
            },
        ))
    }

    /// A failed token request for the call's account that explains a
    /// `transient` failure: in flight during the call, or answered within
    /// the recovery grace (or its `Retry-After`) before it.
    fn provider_failing<'r>(
        &self,
        run: &'r RunRecord,
        call: &ServedToken,
    ) -> Option<&'r JournalEntry> {
        run.journal.iter().find(|e| {
            e.endpoint == Endpoint::Token
                && e.account.as_ref().is_none_or(|a| *a == call.account)
                && failed_attempt(e)
                && e.started_at <= call.served_at
                && e.finished_at + self.grace_after(run, e) >= call.requested_at
        })
    }

    /// True when a token request for the call's account sent after `since`
    /// failed without a refusal and explains a `transient` failure (as in
    /// [`provider_failing`](Self::provider_failing)).
    fn failing_since(&self, run: &RunRecord, call: &ServedToken, since: SystemTime) -> bool {
        run.journal.iter().any(|e| {
            e.endpoint == Endpoint::Token
                && e.account.as_ref().is_none_or(|a| *a == call.account)
                && e.started_at > since
                && outage_answer(e)
                && e.started_at <= call.served_at
                && e.finished_at + self.grace_after(run, e) >= call.requested_at
        })
    }

    fn grace_after(&self, run: &RunRecord, entry: &JournalEntry) -> Duration {
        grace_after(run, entry, self.params.recovery_grace)
    }
}

/// The recovery grace after `entry`, stretched to the `Retry-After` of
/// a fault that shaped its answer.
pub(super) fn grace_after(run: &RunRecord, entry: &JournalEntry, grace: Duration) -> Duration {
    let retry_after = run
        .history
        .fault_windows()
        .into_iter()
        .filter(|w| entry.fault_labels().any(|label| label == w.label))
        .filter_map(|w| w.retry_after)
        .max()
        .unwrap_or_default();
    grace.max(retry_after)
}

/// A token request the provider could not answer (an outage: an error
/// status, no answer, a reset, a lost ack), as opposed to a refusal that
/// ends the grant (`invalid_grant` and the like).
pub(super) fn outage_answer(entry: &JournalEntry) -> bool {
    failed_attempt(entry)
        && !entry
            .error
            .as_deref()
            .is_some_and(|err| PERMANENT.contains(&err))
}

/// A token request that did not hand the broker a usable answer: an error
/// status, no answer (status 0), or a fault other than a delay.
pub(super) fn failed_attempt(entry: &JournalEntry) -> bool {
    !entry.succeeded()
        || entry
            .fault_labels()
            .any(|label| !label.starts_with("delay"))
}

/// The latest permanent refusal of the call's account before the call
/// ended, unless a new grant was issued (a code exchange) after it.
pub(super) fn grant_refusal<'r>(
    run: &'r RunRecord,
    call: &ServedToken,
) -> Option<&'r JournalEntry> {
    // Across a step back of the provider's clock, any refusal counts.
    let stepped_back = super::clock_steps::provider_stepped_back(run);
    let mine = |e: &&JournalEntry| {
        e.endpoint == Endpoint::Token
            && e.account.as_ref() == Some(&call.account)
            && (stepped_back || e.finished_at <= call.served_at)
    };
    let refused = run
        .journal
        .iter()
        .filter(mine)
        // A refusal whose answer was lost (status 0) never reached the
        // broker: it cannot say `revoked` yet.
        .filter(|e| {
            e.status != 0
                && e.error
                    .as_deref()
                    .is_some_and(|err| PERMANENT.contains(&err))
        })
        .max_by_key(|e| e.finished_at)?;
    let consented_again = run.journal.iter().filter(mine).any(|e| {
        e.grant_type.as_deref() == Some("authorization_code")
            && e.succeeded()
            && e.finished_at > refused.finished_at
    });
    // Across a step back, provider times cannot say whether a new consent
    // came before the call either: the refusal still excuses `revoked`.
    (!consented_again || stepped_back).then_some(refused)
}

/// True when a store outage was in force on the call's instance at any
/// time during the call.
pub(super) fn store_down(run: &RunRecord, call: &ServedToken) -> bool {
    let on_instance = format!("on instance {}", call.instance);
    let toggles: Vec<_> = run
        .history
        .timeline()
        .filter(|e| e.kind == "store_fault" && e.what.starts_with("Outage("))
        .filter(|e| e.what.ends_with(&on_instance))
        .collect();
    let down_at = |at: SystemTime| {
        toggles
            .iter()
            .filter(|e| e.at <= at)
            .max_by_key(|e| e.at)
            .is_some_and(|e| e.what.starts_with("Outage(true)"))
    };
    down_at(call.requested_at)
        || toggles
            .iter()
            .any(|e| e.at >= call.requested_at && e.at <= call.served_at)
}

/// True when `instance` was killed and restarted between `from` and `to`.
fn restarted_between(run: &RunRecord, instance: u32, from: SystemTime, to: SystemTime) -> bool {
    let killed = format!("instance {instance} killed");
    run.history
        .timeline()
        .any(|e| e.kind == "restart" && e.what.starts_with(&killed) && from <= e.at && e.at <= to)
}

/// True when a refresh for the call's account succeeded during the call:
/// the broker then had a token to serve, whatever its store did.
fn refreshed_during(run: &RunRecord, call: &ServedToken) -> bool {
    run.journal.iter().any(|e| {
        e.is_refresh()
            && e.succeeded()
            && e.fault.is_none()
            && e.account.as_ref() == Some(&call.account)
            && e.finished_at >= call.requested_at
            && e.finished_at <= call.served_at
    })
}

fn since_start(run: &RunRecord, at: SystemTime) -> String {
    let since = run
        .started_at
        .and_then(|start| at.duration_since(start).ok())
        .unwrap_or_default();
    humantime::format_duration(Duration::from_millis(
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX),
    ))
    .to_string()
}

fn whole_seconds(duration: Duration) -> Duration {
    Duration::from_secs(duration.as_secs())
}
