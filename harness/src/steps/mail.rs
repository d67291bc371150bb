//! The mail steps: the broker syncs and sends (`sync`, `crash_sync`,
//! `send`), and the mailbox changes at the mock (`mailbox_add`,
//! `mailbox_delete`, `mailbox_relabel`, `expire_history`). Every account a
//! mail step touches is settled at the end of the run (`run/play/email.rs`).

use super::shared::{Account, OnAccount};
use super::{Check, Invalid, StepKind};
use crate::record::{GmailDeletion, LOGICAL_SEND_SUBJECT, LogicalSend, MailCall};
use crate::run::play::email::{MAIL_CALL_TIMEOUT, run_sync};
use crate::run::{Stage, lock};
use mock_provider::NewMessage;
use rand::Rng;
use schemars::JsonSchema;
use serde::Deserialize;

/// Parameters of `sync`: the account whose mailbox the broker syncs, on
/// which instance.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct SyncStep(pub OnAccount);

impl StepKind for SyncStep {
    const NEEDS: Option<&'static str> = Some("gmail");

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        self.0.validate(check, "sync")
    }

    fn play(self, stage: &mut Stage<'_>) {
        spawn_sync(stage, self.0, None);
    }
}

/// Parameters of `crash_sync`: a sync that dies mid-way, as from `kill -9`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrashSync {
    /// The account.
    pub account: String,
    /// Die at this crash point (0-based: every request, response and
    /// commit boundary the sync reaches is one).
    pub at_point: u32,
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
}

impl StepKind for CrashSync {
    const NEEDS: Option<&'static str> = Some("crash_points");

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.account("crash_sync.account", &self.account)?;
        check.instance("crash_sync.instance", self.instance)
    }

    fn play(self, stage: &mut Stage<'_>) {
        if self.instance < stage.world.instances.len() as u32 {
            stage.event(
                "crash_sync",
                format!(
                    "instance {} sync killed at crash point {}",
                    self.instance, self.at_point
                ),
                Some(self.account.clone()),
            );
        }
        let target = OnAccount {
            account: self.account,
            instance: self.instance,
        };
        spawn_sync(stage, target, Some(self.at_point));
    }
}

/// A sync of `target`'s mailbox (dying at `crash_at`, if given) on a task.
fn spawn_sync(stage: &mut Stage<'_>, target: OnAccount, crash_at: Option<u32>) {
    stage.touch(&target.account);
    let Some(instance) = stage.instance(target.instance) else {
        return;
    };
    let clock = stage.world.provider_clock.clone();
    let sink = stage.sink.clone();
    stage.spawn(run_sync(
        instance,
        target.instance,
        target.account,
        crash_at,
        clock,
        sink,
    ));
}

/// Parameters of `send`: `count` logical sends, one after another.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendStep {
    /// The sending account.
    pub account: String,
    /// How many messages (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
}

impl StepKind for SendStep {
    const NEEDS: Option<&'static str> = Some("gmail");

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.account("send.account", &self.account)?;
        check.instance("send.instance", self.instance)
    }

    /// Numbered logical sends, one after another on one task.
    fn play(self, stage: &mut Stage<'_>) {
        stage.touch(&self.account);
        let Some(instance) = stage.instance(self.instance) else {
            return;
        };
        let logicals = stage.next_logical_sends(self.count);
        let sink = stage.sink.clone();
        let clock = stage.world.provider_clock.clone();
        stage.spawn(async move {
            for logical in logicals {
                instance.wait_if_paused().await;
                let started_at = clock.now();
                let subject = format!("{LOGICAL_SEND_SUBJECT} {logical}");
                let raw = format!(
                    "From: {account}\r\nTo: chaos-recipient@example.net\r\nSubject: {subject}\r\n\r\nlogical send {logical}\r\n",
                    account = self.account
                );
                let result = sink
                    .answered(
                        MAIL_CALL_TIMEOUT,
                        instance
                            .broker
                            .mail_or_refusal()
                            .send(&self.account, raw.as_bytes()),
                    )
                    .await;
                let mut email = lock(&sink.email);
                email.record.calls.push(MailCall {
                    account: self.account.clone(),
                    started_at,
                    finished_at: clock.now(),
                });
                email.record.sends.push(LogicalSend {
                    logical,
                    account: self.account.clone(),
                    subject,
                    result,
                });
            }
        });
    }
}

/// Parameters of `mailbox_add` and `mailbox_delete` (changes made at the
/// mock's Gmail, as new mail arriving or the user deleting mail).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MailboxChange {
    /// The account.
    pub account: String,
    /// How many messages (default 1); deletions pick seeded-random inbox
    /// messages.
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

/// `mailbox_add`: new mail arrives.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct MailboxAdd(pub MailboxChange);

/// `mailbox_delete`: the user deletes seeded-random inbox messages.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct MailboxDelete(pub MailboxChange);

impl StepKind for MailboxAdd {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.account("mailbox_add.account", &self.0.account)
    }

    fn play(self, stage: &mut Stage<'_>) {
        let change = self.0;
        stage.touch(&change.account);
        for _ in 0..change.count {
            let arrival = {
                let mut email = lock(&stage.sink.email);
                email.next_arrival += 1;
                email.next_arrival
            };
            let message = NewMessage {
                from: "newsletter@example.net".to_owned(),
                subject: format!("oauth-chaos arrival {arrival}"),
                body: format!("arrival {arrival}"),
                ..NewMessage::default()
            };
            stage.world.provider.add_message(&change.account, message);
        }
        stage.event(
            "mailbox_add",
            format!("{} message(s) arrived", change.count),
            Some(change.account),
        );
    }
}

impl StepKind for MailboxDelete {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.account("mailbox_delete.account", &self.0.account)
    }

    fn play(self, stage: &mut Stage<'_>) {
        let change = self.0;
        stage.touch(&change.account);
        let mut inbox: Vec<String> = stage
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
            let id = inbox.remove(stage.rng.random_range(0..inbox.len()));
            if stage.world.provider.delete_message(&change.account, &id) {
                deleted += 1;
                lock(&stage.sink.email)
                    .record
                    .deleted_at_gmail
                    .push(GmailDeletion {
                        account: change.account.clone(),
                        id,
                        at: stage.world.provider_clock.now(),
                    });
            }
        }
        stage.event(
            "mailbox_delete",
            format!("{deleted} message(s) deleted"),
            Some(change.account),
        );
    }
}

/// Parameters of `mailbox_relabel`: the user reads, stars or archives mail
/// (labels change at the mock's Gmail; history records `labelsAdded` /
/// `labelsRemoved`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MailboxRelabel {
    /// The account.
    pub account: String,
    /// How many seeded-random messages (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Labels put on each (e.g. `STARRED`).
    #[serde(default)]
    pub add: Vec<String>,
    /// Labels taken off each (e.g. `UNREAD` to read it, `INBOX` to archive).
    #[serde(default)]
    pub remove: Vec<String>,
}

impl StepKind for MailboxRelabel {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.account("mailbox_relabel.account", &self.account)
    }

    /// Seeded-random messages, any label.
    fn play(self, stage: &mut Stage<'_>) {
        stage.touch(&self.account);
        let mut ids: Vec<String> = stage
            .world
            .provider
            .mailbox(&self.account)
            .into_iter()
            .map(|m| m.id)
            .collect();
        let add: Vec<&str> = self.add.iter().map(String::as_str).collect();
        let remove: Vec<&str> = self.remove.iter().map(String::as_str).collect();
        let mut relabelled = 0;
        for _ in 0..self.count {
            if ids.is_empty() {
                break;
            }
            let id = ids.remove(stage.rng.random_range(0..ids.len()));
            if stage
                .world
                .provider
                .relabel_message(&self.account, &id, &add, &remove)
                .is_some()
            {
                relabelled += 1;
            }
        }
        stage.event(
            "mailbox_relabel",
            format!(
                "{relabelled} message(s) relabelled (+{} -{})",
                self.add.join(","),
                self.remove.join(",")
            ),
            Some(self.account),
        );
    }
}

/// Parameters of `expire_history`: whose history.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct ExpireHistory(pub Account);

impl StepKind for ExpireHistory {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        self.0.validate(check, "expire_history")
    }

    fn play(self, stage: &mut Stage<'_>) {
        let account = self.0.account;
        stage.touch(&account);
        stage.world.provider.expire_history(&account);
        stage.event(
            "expire_history",
            "history expired".to_owned(),
            Some(account),
        );
    }
}
