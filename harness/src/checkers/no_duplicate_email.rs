use super::no_lost_email::{sends_of, without_mail};
use super::{Checker, Judgement, Violation, capped};
use crate::broker::Capabilities;
use crate::record::RunRecord;
use std::collections::BTreeMap;

const NAME: &str = "no_duplicate_email";

/// No mail is duplicated, on either side:
///
/// - no message id is stored twice in the broker's mailbox (at any sync
///   step or at the end);
/// - no `Message-ID` is in the mock's Sent more than once, and each logical
///   send of the harness (numbered in its subject) was delivered at most
///   once, whatever `Message-ID` the broker gave each attempt.
///
/// Needs `sync` or `send` steps; without them it is unknown.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDuplicateEmail;

impl Checker for NoDuplicateEmail {
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
        let stored = run
            .email
            .snapshots
            .iter()
            .map(|s| (&s.account, &s.ids))
            .chain(
                run.email
                    .settled
                    .iter()
                    .map(|s| (&s.account, &s.stored_after)),
            );
        for (account, ids) in stored {
            for (id, count) in counts(ids) {
                if count > 1 {
                    found.push(Violation {
                        invariant: NAME,
                        message: format!("message `{id}` of {account} is stored {count} times"),
                        entries: Vec::new(),
                    });
                }
            }
        }
        for settled in &run.email.settled {
            for (message_id, count) in &settled.sent_message_ids {
                if *count > 1 {
                    found.push(Violation {
                        invariant: NAME,
                        message: format!(
                            "`{message_id}` is in {}'s Sent {count} times",
                            settled.account
                        ),
                        entries: sends_of(run, message_id),
                    });
                }
            }
            for (subject, count) in &settled.sent_subjects {
                if *count > 1 {
                    found.push(Violation {
                        invariant: NAME,
                        message: format!(
                            "\"{subject}\" was delivered {count} times from {}",
                            settled.account
                        ),
                        entries: Vec::new(),
                    });
                }
            }
        }
        Judgement::from_violations(capped(NAME, found))
    }
}

fn counts(ids: &[String]) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for id in ids {
        *counts.entry(id.as_str()).or_insert(0) += 1;
    }
    counts
}
