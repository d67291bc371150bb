use super::{Checker, Judgement, Violation, capped};
use crate::broker::{Capabilities, FailureKind};
use crate::record::{RunRecord, ServedToken, TimelineEvent};
use mock_provider::Endpoint;
use std::time::Duration;

const NAME: &str = "survives_restart";

/// After a kill -9 and restart, the broker keeps serving every account it
/// served before, with no new consent: no authorization code is exchanged,
/// and no call to the restarted instance for such an account fails unless
/// the scenario excuses it at the time:
///
/// - `revoked` only after the provider refused the grant;
/// - `transient` only while the provider was failing the account's token
///   requests (from [`PROVIDER_FAULT_LOOKBACK`] before the restart to the
///   call's end): a restarted broker that had committed its grant has
///   nothing else to wait for;
/// - `storage` only during a store outage on the instance;
/// - anything else never (timeouts, crashes and protocol errors are
///   `broker_responsive`'s; calls the harness killed are excused).
#[derive(Debug, Clone, Copy, Default)]
pub struct SurvivesRestart;

impl Checker for SurvivesRestart {
    fn name(&self) -> &'static str {
        NAME
    }

    fn needs(&self) -> Capabilities {
        Capabilities::RESTART
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        let restarts: Vec<_> = run
            .history
            .timeline()
            .filter(|e| e.kind == "restart")
            .collect();
        if restarts.is_empty() {
            return Judgement::unknown("no instance was restarted during the run");
        }
        let judged = restarts.iter().any(|restart| {
            run.history.served().any(|before| {
                before.served_at <= restart.at
                    && before.result.is_ok()
                    && run.history.served().any(|after| {
                        after.requested_at > restart.at
                            && after.account == before.account
                            && restarted_instance(restart) == Some(after.instance)
                    })
            })
        });
        if !judged {
            return Judgement::unknown(
                "no account was served before a restart and asked for after it",
            );
        }
        let mut found = Vec::new();
        for restart in restarts {
            let served_before: Vec<&str> = run
                .history
                .served()
                .filter(|s| s.served_at <= restart.at && s.result.is_ok())
                .map(|s| s.account.as_str())
                .collect();
            for served in run.history.served().filter(|s| {
                s.requested_at > restart.at
                    && restarted_instance(restart) == Some(s.instance)
                    && served_before.contains(&s.account.as_str())
            }) {
                if let Some(problem) = lost_after(run, restart, served) {
                    found.push(problem);
                }
            }
            // The scenario's own consents (`authorize`, and `evict_by_limit`'s
            // other device) are not ones the restart cost.
            let scenario_consent = |e: &mock_provider::JournalEntry| {
                run.auth
                    .other_device_consents
                    .iter()
                    .any(|(from, to)| *from <= e.started_at && e.finished_at <= *to)
                    || run
                        .auth
                        .forged_callbacks
                        .iter()
                        .any(|f| f.journal_from <= e.seq && e.seq < f.journal_to)
                    // A forgery stages a genuine consent first (`replayed`).
                    || run.history.timeline().any(|event| {
                        event.kind == "forge_callback"
                            && event.at <= e.started_at
                            && run.auth.forged_callbacks.iter().any(|f| {
                                Some(&f.account) == event.account.as_ref()
                                    && event.at <= f.finished_at
                                    && e.finished_at <= f.finished_at
                            })
                    })
                    || run.history.timeline().any(|event| {
                        event.kind == "authorize"
                            && event.at <= e.started_at
                            && run.auth.consents.iter().any(|consent| {
                                Some(&consent.account) == event.account.as_ref()
                                    && event.at <= consent.at
                                    && e.finished_at <= consent.at
                            })
                    })
            };
            for entry in run.journal.iter().filter(|e| {
                e.started_at >= restart.at
                    && e.grant_type.as_deref() == Some("authorization_code")
                    && !scenario_consent(e)
            }) {
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "#{} exchanged a new authorization code after `{}`: the restart cost the user a consent",
                        entry.seq, restart.what
                    ),
                    entries: vec![entry.seq],
                });
            }
        }
        Judgement::from_violations(capped(NAME, found))
    }
}

/// A provider failure this long before a restart still excuses a
/// `transient` answer after it (the restarted broker may have persisted a
/// backoff, as the availability invariant's recovery grace allows).
pub const PROVIDER_FAULT_LOOKBACK: Duration = Duration::from_secs(60);

/// The instance a `restart` event names (`instance N killed and restarted`).
fn restarted_instance(restart: &TimelineEvent) -> Option<u32> {
    restart
        .what
        .strip_prefix("instance ")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Why `served`, a call after `restart`, shows the restart lost something.
fn lost_after(run: &RunRecord, restart: &TimelineEvent, served: &ServedToken) -> Option<Violation> {
    let Err(kind) = served.result else {
        return None;
    };
    let excused = match kind {
        FailureKind::Killed
        | FailureKind::Timeout
        | FailureKind::Crashed
        | FailureKind::Protocol => true,
        FailureKind::Revoked => super::availability::grant_refusal(run, served).is_some(),
        FailureKind::Transient => provider_failing(run, restart, served),
        FailureKind::Storage => super::availability::store_down(run, served),
        FailureKind::Unsupported | FailureKind::Other => false,
    };
    if excused {
        return None;
    }
    let why = match kind {
        FailureKind::Revoked => "the provider never refused the grant",
        FailureKind::Transient => {
            "the provider answered the account's token requests normally from a minute before the restart to the call's end"
        }
        FailureKind::Storage => "no store outage was in force on the instance",
        _ => "a failure of this kind is never excused",
    };
    let after = served
        .requested_at
        .duration_since(restart.at)
        .unwrap_or_default();
    Some(Violation {
        invariant: NAME,
        message: format!(
            "{} was served before `{}` but a call {} after it failed as `{}`, and {why}",
            served.account,
            restart.what,
            super::human_duration(after),
            kind.name()
        ),
        entries: Vec::new(),
    })
}

/// True when a token request for the call's account failed between
/// [`PROVIDER_FAULT_LOOKBACK`] before the restart and the call's end.
fn provider_failing(run: &RunRecord, restart: &TimelineEvent, served: &ServedToken) -> bool {
    let from = restart
        .at
        .checked_sub(PROVIDER_FAULT_LOOKBACK)
        .unwrap_or(restart.at);
    run.journal.iter().any(|e| {
        e.endpoint == Endpoint::Token
            && e.account.as_ref().is_none_or(|a| *a == served.account)
            && super::availability::failed_attempt(e)
            && e.finished_at >= from
            && e.started_at <= served.served_at
    })
}
