//! The mail steps of a timeline, and the end-of-run settlement the email
//! checkers compare: the mock's mailbox just before a final sync against
//! what the broker stored after it, and the mock's Sent against the
//! logical sends the broker acknowledged.

use super::{Sink, Stage, lock};
use crate::record::{
    EmailRecord, LOGICAL_SEND_SUBJECT, MailCall, RestartSnapshot, SettledMailbox, StoredSnapshot,
    SyncAttempt,
};
use crate::run::world::{Instance, World};
use crate::scenario::{Action, Mode, Scenario};
use crate::sim::SimClock;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// A sync or send taking longer than this (simulated in sim mode) is a
/// timeout; long because Gmail's rate limits may ask for minutes per retry.
pub(crate) const MAIL_CALL_TIMEOUT: Duration = Duration::from_secs(2 * 3600);

/// The mail part of the shared sink.
#[derive(Debug, Default)]
pub(crate) struct EmailLog {
    pub record: EmailRecord,
    /// Accounts a mail step touched: the ones settled at the end.
    accounts: BTreeSet<String>,
    next_logical: u64,
    pub next_arrival: u64,
}

impl Stage<'_> {
    /// Marks `account` as touched by a mail step: it is settled at the end.
    pub(crate) fn touch(&self, account: &str) {
        lock(&self.sink.email).accounts.insert(account.to_owned());
    }

    /// The numbers of the next `count` logical sends.
    pub(crate) fn next_logical_sends(&self, count: u32) -> Vec<u64> {
        let mut email = lock(&self.sink.email);
        let first = email.next_logical;
        email.next_logical += u64::from(count);
        (first..email.next_logical).collect()
    }
}

/// A sync (or, with `crash_at`, a sync that dies at that crash point), and
/// what the instance reports stored after it.
pub(crate) async fn run_sync(
    instance: Instance,
    index: u32,
    account: String,
    crash_at: Option<u32>,
    clock: SimClock,
    sink: Sink,
) {
    instance.wait_if_paused().await;
    let started_at = clock.now();
    let call = async {
        match crash_at {
            Some(at) => {
                instance
                    .broker
                    .mail_faults_or_refusal()
                    .crash_sync(&account, at)
                    .await
            }
            None => instance
                .broker
                .mail_or_refusal()
                .sync(&account)
                .await
                .map(|()| false),
        }
    };
    let result = sink.answered(MAIL_CALL_TIMEOUT, call).await;
    let finished_at = clock.now();
    let stored = instance.broker.mail_or_refusal().synced_ids(&account).await;
    let mut email = lock(&sink.email);
    email.record.calls.push(MailCall {
        account: account.clone(),
        started_at,
        finished_at,
    });
    email.record.syncs.push(SyncAttempt {
        instance: index,
        account: account.clone(),
        started_at,
        crash_at,
        result,
    });
    if let Ok(ids) = stored {
        email.record.snapshots.push(StoredSnapshot {
            instance: index,
            account,
            at: clock.now(),
            ids,
        });
    }
}

/// What `instance` reports stored for each account a mail step touched so
/// far, read just before the harness kills it (`restart`): accounts it
/// cannot list are left out.
pub(crate) async fn stored_before_kill(
    instance: &Instance,
    sink: &Sink,
) -> Vec<(String, Vec<String>)> {
    if instance.broker.mail().is_none() {
        return Vec::new();
    }
    let accounts = lock(&sink.email).accounts.clone();
    let mut stored = Vec::new();
    for account in accounts {
        if let Ok(ids) = instance.broker.mail_or_refusal().synced_ids(&account).await {
            stored.push((account, ids));
        }
    }
    stored
}

/// Right after the restart, before any sync: what the restarted instance
/// reports stored for the accounts read before the kill.
pub(crate) async fn stored_after_restart(
    instance: &Instance,
    index: u32,
    before: Vec<(String, Vec<String>)>,
    killed_at: std::time::SystemTime,
    clock: &SimClock,
    sink: &Sink,
) {
    for (account, ids) in before {
        let after = match instance.broker.mail_or_refusal().synced_ids(&account).await {
            Ok(ids) => Ok(ids),
            Err(failure) => {
                sink.failure(failure.message.clone());
                Err(failure.kind)
            }
        };
        lock(&sink.email).record.restarts.push(RestartSnapshot {
            instance: index,
            account,
            killed_at,
            before: ids,
            read_at: clock.now(),
            after,
        });
    }
}

/// After the timeline (every fault unmounted, every call done): for each
/// account a mail step touched, compare the mock with instance 0 around one
/// final sync.
pub(super) async fn settle(world: &World, scenario: &Scenario, sink: &Sink) -> EmailRecord {
    let (mut record, accounts) = {
        let mut email = lock(&sink.email);
        (std::mem::take(&mut email.record), email.accounts.clone())
    };
    record.volatile_store = world.mode == Mode::Real && scenario.broker.store == "memory";
    let Some(instance) = world.instances.first() else {
        return record;
    };
    // The final sync runs with every fault gone: mail-store failures a
    // `mail_store_fault` left pending are counted, not timed, so end them.
    let faulted_mail_store = scenario
        .timeline
        .iter()
        .any(|s| matches!(s.get_ref().action, Action::MailStoreFault(_)));
    if faulted_mail_store {
        let _ = instance
            .broker
            .mail_faults_or_refusal()
            .fail_mail_commits(0)
            .await;
    }
    for account in accounts {
        let stored_before = instance
            .broker
            .mail_or_refusal()
            .synced_ids(&account)
            .await
            .unwrap_or_default();
        let at_provider: Vec<String> = world
            .provider
            .mailbox(&account)
            .into_iter()
            .map(|m| m.id)
            .collect();
        let final_sync = sink
            .answered(
                MAIL_CALL_TIMEOUT,
                instance.broker.mail_or_refusal().sync(&account),
            )
            .await;
        let stored_after = instance
            .broker
            .mail_or_refusal()
            .synced_ids(&account)
            .await
            .unwrap_or_default();
        let mut sent_subjects = BTreeMap::new();
        for message in world.provider.mailbox(&account) {
            let is_sent = message.label_ids.iter().any(|l| l == "SENT");
            if let Some(subject) = message
                .subject
                .filter(|s| is_sent && s.starts_with(LOGICAL_SEND_SUBJECT))
            {
                *sent_subjects.entry(subject).or_insert(0) += 1;
            }
        }
        record.settled.push(SettledMailbox {
            sent_message_ids: world.provider.sent_message_ids(&account),
            account,
            at_provider,
            stored_before,
            final_sync,
            stored_after,
            sent_subjects,
        });
    }
    record
}
