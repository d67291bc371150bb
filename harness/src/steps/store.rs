//! Faults on what the broker writes to: its token store (`store_outage`,
//! `store_read_only`, `store_fail_after`) and its mailbox store
//! (`mail_store_fault`). The harness injects them through the instance's
//! fault facets.

use super::{Check, Invalid, StepKind};
use crate::broker::StoreFault;
use crate::record::TimelineEvent;
use crate::run::Stage;
use schemars::JsonSchema;
use serde::Deserialize;

/// Parameters of `store_outage` and `store_read_only`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreToggle {
    /// Which broker instance's store (default 0).
    #[serde(default)]
    pub instance: u32,
    /// Fault on (`true`, the default) or off.
    #[serde(default = "yes")]
    pub on: bool,
}

fn yes() -> bool {
    true
}

/// `store_outage`: every store call fails while on.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct StoreOutage(pub StoreToggle);

/// `store_read_only`: writes fail while on; reads still work.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct StoreReadOnly(pub StoreToggle);

/// Parameters of `store_fail_after`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreFailAfter {
    /// Which broker instance's store (default 0).
    #[serde(default)]
    pub instance: u32,
    /// Writes that still commit.
    pub writes: u64,
}

impl StepKind for StoreOutage {
    const NEEDS: Option<&'static str> = Some("store_faults");

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.instance("store_outage.instance", self.0.instance)
    }

    fn play(self, stage: &mut Stage<'_>) {
        store_fault(stage, self.0.instance, StoreFault::Outage(self.0.on));
    }
}

impl StepKind for StoreReadOnly {
    const NEEDS: Option<&'static str> = Some("store_faults");

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.instance("store_read_only.instance", self.0.instance)
    }

    fn play(self, stage: &mut Stage<'_>) {
        store_fault(stage, self.0.instance, StoreFault::ReadOnly(self.0.on));
    }
}

impl StepKind for StoreFailAfter {
    const NEEDS: Option<&'static str> = Some("store_faults");

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.instance("store_fail_after.instance", self.instance)
    }

    fn play(self, stage: &mut Stage<'_>) {
        store_fault(
            stage,
            self.instance,
            StoreFault::FailWritesAfter(self.writes),
        );
    }
}

fn store_fault(stage: &mut Stage<'_>, index: u32, fault: StoreFault) {
    let Some(instance) = stage.instance(index) else {
        return;
    };
    let what = format!("{fault:?} on instance {index}");
    // A fault is in force from its step until the store is back. Taking one
    // off can take a while (a PostgreSQL cluster restarting, a reload), so
    // its end is recorded when it is done, not when it was asked for.
    let ends = matches!(
        fault,
        StoreFault::Outage(false) | StoreFault::ReadOnly(false)
    );
    if !ends {
        stage.event("store_fault", what.clone(), None);
    }
    let sink = stage.sink.clone();
    let clock = stage.world.provider_clock.clone();
    stage.spawn(async move {
        let applied = instance
            .broker
            .store_faults_or_refusal()
            .store_fault(fault)
            .await;
        if ends {
            sink.push(TimelineEvent {
                at: clock.now(),
                what,
                account: None,
                kind: "store_fault",
            });
        }
        if let Err(failure) = applied {
            sink.failure(format!("store fault on instance {index}: {failure}"));
        }
    });
}

/// Parameters of `mail_store_fault`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MailStoreFault {
    /// How many of the next commits fail.
    pub failures: u32,
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
}

impl StepKind for MailStoreFault {
    const NEEDS: Option<&'static str> = Some("mail_hooks");

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.instance("mail_store_fault.instance", self.instance)
    }

    fn play(self, stage: &mut Stage<'_>) {
        let Some(instance) = stage.instance(self.instance) else {
            return;
        };
        stage.event(
            "mail_store_fault",
            format!(
                "instance {}: the next {} mailbox commit(s) fail",
                self.instance, self.failures
            ),
            None,
        );
        let sink = stage.sink.clone();
        stage.spawn(async move {
            if let Err(failure) = instance
                .broker
                .mail_faults_or_refusal()
                .fail_mail_commits(self.failures)
                .await
            {
                sink.failure(failure.message);
            }
        });
    }
}
