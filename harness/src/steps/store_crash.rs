//! `crash_at_store_write`: kill -9 an instance as its token store sees its
//! next write, a real crash at a real boundary (the persist after a
//! refresh, with the new token already issued by the provider), then start
//! it again over the same store, as a supervisor would.
//!
//! In process the write never reaches the store (`broker/write_trap.rs`);
//! a process is SIGKILLed the moment inotify reports the write in its
//! store's directory (`broker/process/write_watch.rs`). The restart is a
//! `restart` event at the moment of death, so `survives_restart` judges
//! what follows.

use super::{Check, Invalid, StepKind};
use crate::record::{KILLED_AT_STORE_WRITE, TimelineEvent};
use crate::run::{Stage, lock};
use schemars::JsonSchema;
use serde::Deserialize;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Parameters of `crash_at_store_write`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrashAtStoreWrite {
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
    /// How long the trap stays armed (default: to the end of the run); no
    /// write in that time leaves the instance alive, and the run says so.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub within: Option<Duration>,
}

impl StepKind for CrashAtStoreWrite {
    const NEEDS: Option<&'static str> = Some("store_faults");

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.instance("crash_at_store_write.instance", self.instance)
    }

    fn play(self, stage: &mut Stage<'_>) {
        let index = self.instance;
        let Some(instance) = stage.instance(index) else {
            return;
        };
        let now = stage.world.time.elapsed();
        let until = self
            .within
            .map_or(stage.scenario.duration, |within| now + within);
        let sink = stage.sink.clone();
        let store = stage.world.store_at_rest.clone();
        let clock = stage.world.provider_clock.clone();
        stage.spawn(async move {
            let trap = match instance
                .broker
                .store_faults_or_refusal()
                .trap_next_write()
                .await
            {
                Ok(trap) => trap,
                Err(failure) => {
                    sink.failure(format!(
                        "crash_at_store_write on instance {index}: {failure}"
                    ));
                    return;
                }
            };
            // Parked on the timeline meanwhile: waiting for a write is not
            // the run being busy, and the next write may be hours away.
            let fired = tokio::select! {
                fired = trap.fired() => fired,
                () = instance.time.sleep_until_offset(until) => false,
            };
            if !fired {
                sink.failure(format!(
                    "crash_at_store_write on instance {index}: no store write to die at"
                ));
                return;
            }
            sink.push(TimelineEvent {
                at: clock.now(),
                what: format!("instance {index} {KILLED_AT_STORE_WRITE} and restarted"),
                account: None,
                kind: "restart",
            });
            instance.restart_epoch.fetch_add(1, Ordering::SeqCst);
            let restarted = instance.broker.restart().await;
            instance.restart_epoch.fetch_add(1, Ordering::SeqCst);
            if let Err(failure) = restarted {
                sink.failure(format!("restart of instance {index}: {failure}"));
            }
            if let Some(store) = store {
                let when = format!("after the store-write crash of instance {index}");
                let parts = store.read(&when).await;
                lock(&sink.store_bytes).extend(parts);
            }
        });
    }
}
