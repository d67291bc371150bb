//! `token_requests`: concurrent `access_token` calls, the data most
//! checkers read.

use super::{Check, Invalid, StepKind};
use crate::broker::FailureKind;
use crate::run::{CALL_TIMEOUT, Instance, Sink, Stage};
use crate::sim::SimClock;
use mock_provider::Fingerprint;
use schemars::JsonSchema;
use secrecy::ExposeSecret;
use serde::Deserialize;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Parameters of `token_requests`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequests {
    /// The account.
    pub account: String,
    /// How many concurrent callers.
    pub callers: u32,
    /// Window the callers' start times are spread over.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub spread: Duration,
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
}

impl StepKind for TokenRequests {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.account("token_requests.account", &self.account)?;
        check.callers("token_requests.callers", self.callers)?;
        check.instance("token_requests.instance", self.instance)
    }

    fn play(self, stage: &mut Stage<'_>) {
        let Some(instance) = stage.instance(self.instance) else {
            return;
        };
        for _ in 0..self.callers {
            let delay = stage.random_within(self.spread);
            stage.spawn(call_access_token(
                instance.clone(),
                self.instance,
                self.account.clone(),
                delay,
                stage.world.provider_clock.clone(),
                stage.sink.clone(),
            ));
        }
    }
}

async fn call_access_token(
    instance: Instance,
    index: u32,
    account: String,
    delay: Duration,
    clock: SimClock,
    sink: Sink,
) {
    instance.sleep(delay).await;
    instance.wait_if_paused().await;
    let requested_at = clock.now();
    let epoch = instance.restart_epoch.load(Ordering::SeqCst);
    let answer =
        tokio::time::timeout(CALL_TIMEOUT, instance.broker.access_token(&account, None)).await;
    let killed_under_it = epoch % 2 == 1 || instance.restart_epoch.load(Ordering::SeqCst) != epoch;
    let result = match answer {
        // The harness killed it: not the broker's failure to report.
        Ok(Err(failure)) if failure.kind == FailureKind::Crashed && killed_under_it => {
            Err(FailureKind::Killed)
        }
        answer => sink.record(answer),
    }
    .map(|token| Fingerprint::of(token.expose_secret()));
    sink.served(index, account, requested_at, &clock, result);
}
