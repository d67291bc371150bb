//! The mail steps of a timeline, and the end-of-run settlement the email
//! checkers compare: the mock's mailbox just before a final sync against
//! what the broker stored after it, and the mock's Sent against the
//! logical sends the broker acknowledged.

use super::{Player, Sink, lock};
use crate::broker::FailureKind;
use crate::record::FaultWindow;
use crate::record::{
    EmailRecord, GmailDeletion, LOGICAL_SEND_SUBJECT, LogicalSend, MailCall, RestartSnapshot,
    SettledMailbox, StoredSnapshot, SyncAttempt,
};
use crate::run::world::{Instance, World};
use crate::scenario::{
    Action, CrashSync, GmailFault, GmailFaultEndpoint, GmailFaultKind, MailStoreFault,
    MailboxChange, MailboxRelabel, Mode, Scenario, SendStep, SyncStep,
};
use crate::sim::SimClock;
use mock_provider::{Endpoint, Fault, NewMessage};
use rand::Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// A sync or send taking longer than this (simulated in sim mode) is a
/// timeout; long because Gmail's rate limits may ask for minutes per retry.
const MAIL_CALL_TIMEOUT: Duration = Duration::from_secs(2 * 3600);

/// The mail part of the shared sink.
#[derive(Debug, Default)]
pub(super) struct EmailLog {
    record: EmailRecord,
    /// Accounts a mail step touched: the ones settled at the end.
    accounts: BTreeSet<String>,
    next_logical: u64,
    next_arrival: u64,
}

impl Player<'_> {
    fn touch(&self, account: &str) {
        lock(&self.sink.email).accounts.insert(account.to_owned());
    }

    fn instance(&self, index: u32) -> Option<Instance> {
        self.world.instances.get(index as usize).cloned()
    }

    /// `sync`.
    pub(super) fn sync_step(&mut self, step: SyncStep) {
        self.touch(&step.account);
        let Some(instance) = self.instance(step.instance) else {
            return;
        };
        let clock = self.world.provider_clock.clone();
        let sink = self.sink.clone();
        self.tasks.push(tokio::spawn(async move {
            run_sync(instance, step.instance, step.account, None, clock, sink).await;
        }));
    }

    /// `crash_sync`.
    pub(super) fn crash_sync_step(&mut self, step: CrashSync) {
        self.touch(&step.account);
        let Some(instance) = self.instance(step.instance) else {
            return;
        };
        self.event(
            "crash_sync",
            format!(
                "instance {} sync killed at crash point {}",
                step.instance, step.at_point
            ),
            Some(step.account.clone()),
        );
        let clock = self.world.provider_clock.clone();
        let sink = self.sink.clone();
        self.tasks.push(tokio::spawn(async move {
            run_sync(
                instance,
                step.instance,
                step.account,
                Some(step.at_point),
                clock,
                sink,
            )
            .await;
        }));
    }

    /// `send`: numbered logical sends, one after another on one task.
    pub(super) fn send_step(&mut self, step: SendStep) {
        self.touch(&step.account);
        let Some(instance) = self.instance(step.instance) else {
            return;
        };
        let logicals: Vec<u64> = {
            let mut email = lock(&self.sink.email);
            let first = email.next_logical;
            email.next_logical += u64::from(step.count);
            (first..email.next_logical).collect()
        };
        let sink = self.sink.clone();
        let clock = self.world.provider_clock.clone();
        self.tasks.push(tokio::spawn(async move {
            for logical in logicals {
                instance.wait_if_paused().await;
                let started_at = clock.now();
                let subject = format!("{LOGICAL_SEND_SUBJECT} {logical}");
                let raw = format!(
                    "From: {account}\r\nTo: chaos-recipient@example.net\r\nSubject: {subject}\r\n\r\nlogical send {logical}\r\n",
                    account = step.account
                );
                let answer =
                    tokio::time::timeout(MAIL_CALL_TIMEOUT, instance.broker.mail_or_refusal().send(&step.account, raw.as_bytes()))
                        .await;
                let result = match answer {
                    Ok(Ok(message_id)) => Ok(message_id),
                    Ok(Err(failure)) => {
                        lock(&sink.failures).push(failure.message.clone());
                        Err(failure.kind)
                    }
                    Err(_) => Err(FailureKind::Timeout),
                };
                let mut email = lock(&sink.email);
                email.record.calls.push(MailCall {
                    account: step.account.clone(),
                    started_at,
                    finished_at: clock.now(),
                });
                email.record.sends.push(LogicalSend {
                    logical,
                    account: step.account.clone(),
                    subject,
                    result,
                });
            }
        }));
    }

    /// `mailbox_add`.
    pub(super) fn mailbox_add(&mut self, change: MailboxChange) {
        self.touch(&change.account);
        for _ in 0..change.count {
            let arrival = {
                let mut email = lock(&self.sink.email);
                email.next_arrival += 1;
                email.next_arrival
            };
            let message = NewMessage {
                from: "newsletter@example.net".to_owned(),
                subject: format!("oauth-chaos arrival {arrival}"),
                body: format!("arrival {arrival}"),
                ..NewMessage::default()
            };
            self.world.provider.add_message(&change.account, message);
        }
        self.event(
            "mailbox_add",
            format!("{} message(s) arrived", change.count),
            Some(change.account),
        );
    }

    /// `mailbox_delete`: seeded-random inbox messages.
    pub(super) fn mailbox_delete(&mut self, change: MailboxChange) {
        self.touch(&change.account);
        let mut inbox: Vec<String> = self
            .world
            .provider
            .mailbox(&change.account)
            .into_iter()
            .filter(|m| m.label_ids.iter().any(|l| l == "INBOX"))
            .map(|m| m.id)
            .collect();
        let mut deleted = 0;
        for _ in 0..change.count {
            if inbox.is_empty() {
                break;
            }
            let id = inbox.remove(self.rng.random_range(0..inbox.len()));
            if self.world.provider.delete_message(&change.account, &id) {
                deleted += 1;
                lock(&self.sink.email)
                    .record
                    .deleted_at_gmail
                    .push(GmailDeletion {
                        account: change.account.clone(),
                        id,
                        at: self.world.provider_clock.now(),
                    });
            }
        }
        self.event(
            "mailbox_delete",
            format!("{deleted} message(s) deleted"),
            Some(change.account),
        );
    }

    /// `mailbox_relabel`: seeded-random messages, any label.
    pub(super) fn mailbox_relabel(&mut self, change: MailboxRelabel) {
        self.touch(&change.account);
        let mut ids: Vec<String> = self
            .world
            .provider
            .mailbox(&change.account)
            .into_iter()
            .map(|m| m.id)
            .collect();
        let add: Vec<&str> = change.add.iter().map(String::as_str).collect();
        let remove: Vec<&str> = change.remove.iter().map(String::as_str).collect();
        let mut relabelled = 0;
        for _ in 0..change.count {
            if ids.is_empty() {
                break;
            }
            let id = ids.remove(self.rng.random_range(0..ids.len()));
            if self
                .world
                .provider
                .relabel_message(&change.account, &id, &add, &remove)
                .is_some()
            {
                relabelled += 1;
            }
        }
        self.event(
            "mailbox_relabel",
            format!(
                "{relabelled} message(s) relabelled (+{} -{})",
                change.add.join(","),
                change.remove.join(",")
            ),
            Some(change.account),
        );
    }

    /// `expire_history`.
    pub(super) fn expire_history(&mut self, account: String) {
        self.touch(&account);
        self.world.provider.expire_history(&account);
        self.event(
            "expire_history",
            "history expired".to_owned(),
            Some(account),
        );
    }

    /// `mail_store_fault`.
    pub(super) fn mail_store_fault(&mut self, step: MailStoreFault) {
        let Some(instance) = self.instance(step.instance) else {
            return;
        };
        self.event(
            "mail_store_fault",
            format!(
                "instance {}: the next {} mailbox commit(s) fail",
                step.instance, step.failures
            ),
            None,
        );
        let sink = self.sink.clone();
        self.tasks.push(tokio::spawn(async move {
            if let Err(failure) = instance
                .broker
                .mail_faults_or_refusal()
                .fail_mail_commits(step.failures)
                .await
            {
                lock(&sink.failures).push(failure.message);
            }
        }));
    }

    /// `gmail_fault`: one mock fault per targeted endpoint.
    pub(super) fn mount_gmail_fault(&mut self, step: &GmailFault) {
        let endpoints: &[Endpoint] = match step.endpoint {
            GmailFaultEndpoint::Profile => &[Endpoint::GmailProfile],
            GmailFaultEndpoint::List => &[Endpoint::GmailMessagesList],
            GmailFaultEndpoint::Get => &[Endpoint::GmailMessagesGet],
            GmailFaultEndpoint::History => &[Endpoint::GmailHistory],
            GmailFaultEndpoint::Send => &[Endpoint::GmailSend],
            GmailFaultEndpoint::All => &[
                Endpoint::GmailProfile,
                Endpoint::GmailMessagesList,
                Endpoint::GmailMessagesGet,
                Endpoint::GmailHistory,
                Endpoint::GmailSend,
            ],
        };
        let retry_after = step.retry_after.unwrap_or(Duration::from_secs(30));
        for endpoint in endpoints {
            let target = Fault::on(*endpoint);
            let target = match &step.account {
                Some(account) => target.account(account.clone()),
                None => target,
            };
            let mut fault = match step.kind {
                GmailFaultKind::Status => target.server_error(step.status.unwrap_or(503)),
                GmailFaultKind::RateLimited => target.rate_limited(retry_after),
                GmailFaultKind::UserRateLimit => {
                    target.user_rate_limit_until(self.world.provider_clock.now() + retry_after)
                }
                GmailFaultKind::AckLost => target.ack_lost(),
                GmailFaultKind::Reset => target.reset(),
                GmailFaultKind::Delay => target.delay(step.delay.unwrap_or_default()),
            };
            if let Some(times) = step.times {
                fault = fault.times(times);
            }
            let header = (step.kind == GmailFaultKind::RateLimited).then_some(retry_after);
            let message = (step.kind == GmailFaultKind::UserRateLimit)
                .then(|| self.world.provider_clock.now() + retry_after);
            let retry = RetryAsked { header, message };
            self.hold_fault(fault, retry, step.account.clone(), step.until);
        }
    }

    /// Mounts `fault`, records its window (with the wait its answers ask
    /// for) and unmounts it at `until`.
    fn hold_fault(
        &mut self,
        fault: Fault,
        retry: RetryAsked,
        account: Option<String>,
        until: Option<Duration>,
    ) {
        let label = fault.label();
        let guard = self.world.provider.mount(fault);
        let index = {
            let mut faults = lock(&self.sink.faults);
            faults.push(FaultWindow {
                label: label.clone(),
                retry_after: retry.header,
                retry_at: retry.message,
                mounted_at: self.world.provider_clock.now(),
                unmounted_at: None,
            });
            faults.len() - 1
        };
        self.event("fault", format!("mounted `{label}`"), account);
        let until = until.unwrap_or(self.scenario.duration);
        let time = self.world.time.clone();
        let faults = self.sink.faults.clone();
        let clock = self.world.provider_clock.clone();
        self.tasks.push(tokio::spawn(async move {
            time.sleep_until_offset(until).await;
            drop(guard);
            if let Some(window) = lock(&faults).get_mut(index) {
                window.unmounted_at = Some(clock.now());
            }
        }));
    }
}

async fn run_sync(
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
    let result = match tokio::time::timeout(MAIL_CALL_TIMEOUT, call).await {
        Ok(Ok(crashed)) => Ok(crashed),
        Ok(Err(failure)) => {
            lock(&sink.failures).push(failure.message.clone());
            Err(failure.kind)
        }
        Err(_) => Err(FailureKind::Timeout),
    };
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
pub(super) async fn stored_before_kill(
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
pub(super) async fn stored_after_restart(
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
                lock(&sink.failures).push(failure.message.clone());
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
        let final_sync = match tokio::time::timeout(
            MAIL_CALL_TIMEOUT,
            instance.broker.mail_or_refusal().sync(&account),
        )
        .await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(failure)) => {
                lock(&sink.failures).push(failure.message.clone());
                Err(failure.kind)
            }
            Err(_) => Err(FailureKind::Timeout),
        };
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

/// The wait a fault's answers ask for: a `Retry-After` header, or a retry
/// time named only in the message.
#[derive(Debug, Clone, Copy)]
struct RetryAsked {
    header: Option<Duration>,
    message: Option<std::time::SystemTime>,
}
