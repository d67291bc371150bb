//! Follow-up steps that make the interleavings worth finding common. A
//! fault or lifecycle event only matters when some traffic meets it, and
//! independent random times rarely line up: a 401 needs an API call after
//! it on the same account, a lost send acknowledgement needs a send while
//! it is mounted, an archived message needs a sync on each side of it, a
//! rate-limited token endpoint needs a refresh while it answers 429, and a
//! fleet races only when its instances refresh at once. So
//! each such step brings the traffic that meets it, seconds later (and the
//! shrinker drops whichever part the failure does not need).

use super::schedule::{GmailFaultKind, GmailTarget, StepKind, TimedStep, TokenFault};
use std::time::Duration;

/// The follow-ups of `steps` (times within `duration`), for a world of
/// `instances` and `accounts`.
pub(super) fn follow_ups(
    steps: &[TimedStep],
    duration: Duration,
    instances: u32,
    accounts: usize,
) -> Vec<TimedStep> {
    let mut out = Vec::new();
    for timed in steps {
        // A stable pick of instance and account from the step's time.
        let pick = timed.at.as_secs();
        let instance = (pick % u64::from(instances.max(1))) as u32;
        let account = (pick % accounts.max(1) as u64) as usize;
        let after = |by: u64, step: StepKind| TimedStep {
            at: (timed.at + Duration::from_secs(by)).min(duration),
            every: None,
            until: None,
            step,
        };
        match &timed.step {
            // A 401 asks for a forced refresh only when an API call meets
            // it; on every instance at once, the fleet races to refresh
            // (what a store without compare-and-swap or a lease loses).
            StepKind::InvalidateAccessTokens(account) => {
                for instance in 0..instances.max(1) {
                    out.push(after(
                        2,
                        StepKind::GmailProfile {
                            account: *account,
                            instance,
                        },
                    ));
                }
            }
            // A refresh while the endpoint answers 429: the 401 forces one.
            StepKind::TokenFault {
                account: target,
                fault: TokenFault::RateLimited(_),
                ..
            } => {
                let account = target.unwrap_or(account);
                out.push(after(1, StepKind::InvalidateAccessTokens(account)));
                out.push(after(2, StepKind::GmailProfile { account, instance }));
            }
            // Mail traffic while a Gmail fault is mounted: a send meets a
            // lost acknowledgement, a sync meets the rest.
            StepKind::GmailFault { endpoint, kind, .. } => {
                let send = *endpoint == GmailTarget::Send
                    || (*kind == GmailFaultKind::AckLost && *endpoint == GmailTarget::All);
                out.push(after(
                    1,
                    if send {
                        StepKind::Send {
                            account,
                            count: 1,
                            instance,
                        }
                    } else {
                        StepKind::Sync { account, instance }
                    },
                ));
            }
            // Archiving is seen through history: a sync before it sets the
            // history point, one after reads the change.
            StepKind::MailboxArchive { account, .. } => {
                out.push(TimedStep {
                    at: timed.at.saturating_sub(Duration::from_secs(60)),
                    ..after(
                        0,
                        StepKind::Sync {
                            account: *account,
                            instance: 0,
                        },
                    )
                });
                out.push(after(
                    30,
                    StepKind::Sync {
                        account: *account,
                        instance: 0,
                    },
                ));
            }
            _ => {}
        }
    }
    out
}
