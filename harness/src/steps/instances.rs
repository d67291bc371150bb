//! What the harness does to a broker instance: `pause` it, poll its
//! `status`, `restart` it.

use super::{Check, Invalid, StepKind};
use crate::record::StatusSample;
use crate::run::play::email;
use crate::run::{CALL_TIMEOUT, Instance, Sink, Stage, lock};
use crate::sim::SimClock;
use schemars::JsonSchema;
use serde::Deserialize;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Parameters of `pause`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pause {
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
    /// How long it stays stalled.
    #[serde(rename = "for", with = "humantime_serde")]
    #[schemars(with = "String")]
    pub duration: Duration,
}

impl StepKind for Pause {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.sim_only("pause")?;
        check.instance("pause.instance", self.instance)
    }

    fn play(self, stage: &mut Stage<'_>) {
        let Some(instance) = stage.instance(self.instance) else {
            return;
        };
        let until = stage.world.time.elapsed() + self.duration;
        *lock(&instance.paused_until) = Some(until);
        instance.clock.freeze();
        // A process stalls for real: SIGSTOP now, SIGCONT at `until`.
        let processes = stage.world.processes.clone();
        let index = self.instance;
        if let Some(table) = &processes {
            table.stall(index, true);
        }
        stage.event(
            "pause",
            format!(
                "instance {} stalled for {}",
                self.instance,
                humantime::format_duration(self.duration)
            ),
            None,
        );
        stage.spawn(async move {
            instance.time.sleep_until_offset(until).await;
            if let Some(table) = &processes {
                table.stall(index, false);
            }
            instance.clock.thaw();
            *lock(&instance.paused_until) = None;
        });
    }
}

/// Parameters of `status_poll`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusPoll {
    /// Only this instance (default: every instance).
    #[serde(default)]
    pub instance: Option<u32>,
}

impl StepKind for StatusPoll {
    const NEEDS: Option<&'static str> = Some("status");

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        match self.instance {
            Some(instance) => check.instance("status_poll.instance", instance),
            None => Ok(()),
        }
    }

    fn play(self, stage: &mut Stage<'_>) {
        let instances: Vec<(u32, Instance)> = (0u32..)
            .zip(stage.world.instances.iter().cloned())
            .filter(|(i, _)| self.instance.is_none_or(|only| only == *i))
            .collect();
        for (index, instance) in instances {
            stage.spawn(poll_status(
                instance,
                index,
                stage.world.provider_clock.clone(),
                stage.sink.clone(),
            ));
        }
    }
}

async fn poll_status(instance: Instance, index: u32, clock: SimClock, sink: Sink) {
    instance.wait_if_paused().await;
    let at = clock.now();
    let accounts = sink
        .answered(CALL_TIMEOUT, instance.broker.status_or_refusal().status())
        .await
        .unwrap_or_default();
    sink.push(StatusSample {
        instance: index,
        at,
        answered_at: clock.now(),
        accounts,
    });
}

/// Parameters of `restart`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Restart {
    /// Which instance.
    pub instance: u32,
}

impl StepKind for Restart {
    const NEEDS: Option<&'static str> = Some("restart");

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.instance("restart.instance", self.instance)
    }

    fn play(self, stage: &mut Stage<'_>) {
        let index = self.instance;
        let Some(instance) = stage.instance(index) else {
            return;
        };
        stage.event(
            "restart",
            format!("instance {index} killed and restarted"),
            None,
        );
        let sink = stage.sink.clone();
        let store = stage.world.store_at_rest.clone();
        let clock = stage.world.provider_clock.clone();
        stage.spawn(async move {
            // What the instance stored must outlive the kill.
            let stored = email::stored_before_kill(&instance, &sink).await;
            let killed_at = clock.now();
            let number = instance.restart_epoch.fetch_add(1, Ordering::SeqCst) / 2 + 1;
            let restarted = instance.broker.restart().await;
            instance.restart_epoch.fetch_add(1, Ordering::SeqCst);
            if let Err(failure) = restarted {
                sink.failure(format!("restart of instance {index}: {failure}"));
            }
            if let Some(store) = store {
                let when = format!("after restart {number} of instance {index}");
                let parts = store.read(&when).await;
                lock(&sink.store_bytes).extend(parts);
            }
            email::stored_after_restart(&instance, index, stored, killed_at, &clock, &sink).await;
        });
    }
}
