use super::{Checker, Judgement, Violation, capped};
use crate::broker::{Capabilities, FailureKind};
use crate::record::{LogicalSend, RunRecord, SettledMailbox};
use mock_provider::Endpoint;
use std::collections::BTreeSet;

const NAME: &str = "no_lost_email";

/// No mail is lost, on either side:
///
/// - after the harness's final sync (every fault unmounted), every message
///   in the mock's mailbox is in the broker's store; a revoked grant may
///   stop that sync, but then nothing stored before may be gone;
/// - a message the broker once stored and Gmail still has is never dropped;
/// - every send the broker acknowledged is in the mock's Sent, and every
///   send it queued but could not deliver yet (transient failure, timeout)
///   is there after the final sync (`sync` also runs the outbox);
/// - what an instance reported stored just before a kill -9 it reports
///   stored right after the restart, before any sync (unless Gmail deleted
///   it meanwhile, or the scenario's store is wiped by a kill by design).
///
/// Needs `sync` or `send` steps; without them it is unknown.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLostEmail;

/// Unknown when no mail step ran (both email checkers' guard): there is
/// no mailbox to compare.
pub(super) fn without_mail(run: &RunRecord) -> Option<Judgement> {
    (run.email.settled.is_empty() && run.email.sends.is_empty())
        .then(|| Judgement::unknown("no mail step ran: no mailbox to compare"))
}

impl Checker for NoLostEmail {
    fn name(&self) -> &'static str {
        NAME
    }

    fn needs(&self) -> Capabilities {
        Capabilities::GMAIL
    }

    fn judges_steps_of(&self) -> Capabilities {
        Capabilities::MAIL_STEPS
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        if let Some(unknown) = without_mail(run) {
            return unknown;
        }
        let mut found = Vec::new();
        for settled in &run.email.settled {
            found.extend(lost_in_sync(run, settled));
        }
        found.extend(lost_across_restarts(run));
        for send in &run.email.sends {
            let message_id = match &send.result {
                Ok(message_id) => message_id,
                Err(kind) => {
                    found.extend(undelivered(run, send, *kind));
                    continue;
                }
            };
            let delivered = run
                .email
                .settled
                .iter()
                .filter(|s| s.account == send.account)
                .any(|s| s.sent_message_ids.get(message_id).is_some_and(|n| *n > 0));
            if !delivered {
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "logical send {} of {} was acknowledged as `{message_id}` but is not in Gmail's Sent",
                        send.logical, send.account
                    ),
                    entries: sends_of(run, message_id),
                });
            }
        }
        Judgement::from_violations(capped(NAME, found))
    }
}

fn lost_in_sync(run: &RunRecord, settled: &SettledMailbox) -> Vec<Violation> {
    let account = &settled.account;
    let after: BTreeSet<&str> = settled.stored_after.iter().map(String::as_str).collect();
    let at_provider: BTreeSet<&str> = settled.at_provider.iter().map(String::as_str).collect();
    let stored_earlier: BTreeSet<&str> = run
        .email
        .snapshots
        .iter()
        // The final sync reads instance 0's mailbox store; each instance
        // has its own, so only what instance 0 stored can be gone from it.
        .filter(|s| &s.account == account && s.instance == 0)
        .flat_map(|s| s.ids.iter())
        .chain(settled.stored_before.iter())
        .map(String::as_str)
        .collect();
    let mut found = Vec::new();
    match settled.final_sync {
        Ok(()) => {
            // Ids stored earlier and gone now are reported below, as such.
            for id in at_provider
                .difference(&after)
                .filter(|id| !stored_earlier.contains(*id))
            {
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "message `{id}` was in {account}'s Gmail before the final sync but the broker never stored it"
                    ),
                    entries: gets_of(run, id),
                });
            }
        }
        // Only the user can fix a revoked grant; what was stored must stay.
        Err(FailureKind::Revoked) => {}
        Err(kind) => found.push(Violation {
            invariant: NAME,
            message: format!(
                "the final sync of {account} failed with `{}` although every fault was unmounted",
                kind.name()
            ),
            entries: Vec::new(),
        }),
    }
    for &id in &stored_earlier {
        if at_provider.contains(id) && !after.contains(id) {
            found.push(Violation {
                invariant: NAME,
                message: format!(
                    "message `{id}` of {account} was stored, is still in Gmail, and is gone from the broker's store"
                ),
                entries: gets_of(run, id),
            });
        }
    }
    found
}

/// What an instance reported stored before a kill -9 must be there when
/// it comes back, before any sync refills it: a mailbox kept only in
/// memory, or a store whose writes were not durable, loses it, and every
/// reader between the restart and the next full resync sees mail vanish
/// (and a downstream copy may delete it). Messages deleted at Gmail
/// meanwhile are exempt, and so are scenarios whose store a kill wipes by
/// design (`EmailRecord::volatile_store`).
fn lost_across_restarts(run: &RunRecord) -> Vec<Violation> {
    if run.email.volatile_store {
        return Vec::new();
    }
    let mut found = Vec::new();
    for snapshot in &run.email.restarts {
        let (instance, account) = (snapshot.instance, &snapshot.account);
        let after: BTreeSet<&str> = match &snapshot.after {
            Ok(ids) => ids.iter().map(String::as_str).collect(),
            Err(kind) => {
                found.push(Violation {
                    invariant: NAME,
                    message: format!(
                        "after its restart instance {instance} could not list {account}'s stored mail (`{}`): what it stored before the kill -9 cannot be shown to survive",
                        kind.name()
                    ),
                    entries: Vec::new(),
                });
                continue;
            }
        };
        let gone: Vec<&str> = snapshot
            .before
            .iter()
            .map(String::as_str)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|id| !after.contains(id))
            .filter(|id| run.email.in_gmail_at(account, id, snapshot.read_at))
            .collect();
        if let Some(first) = gone.first() {
            found.push(Violation {
                invariant: NAME,
                message: format!(
                    "instance {instance} had stored {} of {account}'s messages that are gone after its kill -9 and restart, though Gmail still has them (first `{first}`): the store did not keep what the broker had reported stored",
                    gone.len()
                ),
                entries: gets_of(run, first),
            });
        }
    }
    found
}

/// A send that was queued but not acknowledged (a transient failure or a
/// timeout) must be in Sent once the final sync ran, unless the grant was
/// revoked: "queued" may not mean "dropped". Permanent refusals and sends
/// that could not even be queued are the caller's to handle.
fn undelivered(run: &RunRecord, send: &LogicalSend, kind: FailureKind) -> Option<Violation> {
    if !matches!(kind, FailureKind::Transient | FailureKind::Timeout) {
        return None;
    }
    let settled = run
        .email
        .settled
        .iter()
        .find(|s| s.account == send.account)?;
    let delivered = settled
        .sent_subjects
        .get(&send.subject)
        .is_some_and(|n| *n > 0);
    (settled.final_sync.is_ok() && !delivered).then(|| Violation {
        invariant: NAME,
        message: format!(
            "logical send {} of {} failed with `{}` and was still not delivered after the final sync",
            send.logical,
            send.account,
            kind.name()
        ),
        entries: Vec::new(),
    })
}

/// Journal entries that fetched message `id`.
fn gets_of(run: &RunRecord, id: &str) -> Vec<u64> {
    let suffix = format!("/messages/{id}");
    run.journal
        .iter()
        .filter(|e| e.endpoint == Endpoint::GmailMessagesGet && e.request.path.ends_with(&suffix))
        .map(|e| e.seq)
        .collect()
}

/// Journal entries that sent a message with this `Message-ID`.
pub(super) fn sends_of(run: &RunRecord, message_id: &str) -> Vec<u64> {
    run.journal
        .iter()
        .filter(|e| {
            e.endpoint == Endpoint::GmailSend && e.request.message_id.as_deref() == Some(message_id)
        })
        .map(|e| e.seq)
        .collect()
}
