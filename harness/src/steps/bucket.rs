//! The bucket steps: `bucket_fault` mounts a fault on the run's token
//! bucket (`store = "bucket"`; the S3 server's fault layer in real mode,
//! the in-memory bucket's in sim mode) and leaves it until a
//! `bucket_fault = { fault = "clear" }`; `cron_refresh_due` runs the cron
//! fallback (`reference-broker refresh-due`'s pass) once against the bucket.

use super::{Check, Invalid, StepKind};
use crate::broker::RunBucket;
use crate::run::Stage;
use crate::scenario::Mode;
use crate::sim::InMemoryTransport;
use rand::Rng;
use schemars::JsonSchema;
use secrecy::ExposeSecret;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use throwaway_bucket::{BucketFault, FaultTarget};

/// What the bucket does wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BucketFaultKind {
    /// `500 InternalError`.
    InternalError,
    /// `503 ServiceUnavailable`.
    ServiceUnavailable,
    /// `503 SlowDown` with S3's XML body.
    SlowDown,
    /// Each request waits `delay`.
    Latency,
    /// The connection is cut before the request is served.
    Reset,
    /// Writes are committed and their answers lost.
    AckLost,
    /// Every request fails: the bucket is down.
    Outage,
    /// Every bucket fault mounted so far is removed.
    Clear,
}

/// Which requests a bucket fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BucketFaultTarget {
    /// Every request.
    #[default]
    Any,
    /// Puts and deletes.
    Writes,
    /// Gets, heads and lists.
    Reads,
}

/// Parameters of `bucket_fault`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BucketFaultStep {
    /// The fault.
    pub fault: BucketFaultKind,
    /// Only every `every`-th matching request meets it (default 1: all).
    #[serde(default = "one")]
    pub every: u64,
    /// At most this many requests meet it (default: until `clear`).
    #[serde(default)]
    pub times: Option<u64>,
    /// Which requests (default `any`).
    #[serde(default)]
    pub only: BucketFaultTarget,
    /// For `latency`: how long each request waits.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub delay: Option<Duration>,
}

/// Parameters of `cron_refresh_due`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CronRefreshDue {
    /// Refresh tokens with less than this left (`refresh-due --within`).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub within: Duration,
}

fn one() -> u64 {
    1
}

impl StepKind for BucketFaultStep {
    // The harness faults the bucket itself: any broker on it meets it.
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.bucket("bucket_fault")?;
        if self.every == 0 {
            return Err(("bucket_fault.every".into(), "must be at least 1".into()));
        }
        let latency = self.fault == BucketFaultKind::Latency;
        if latency != self.delay.is_some() {
            return Err((
                "bucket_fault.delay".into(),
                "is required for `latency` and only for it".into(),
            ));
        }
        Ok(())
    }

    fn play(self, stage: &mut Stage<'_>) {
        bucket_fault(stage, &self);
    }
}

impl StepKind for CronRefreshDue {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.bucket("cron_refresh_due")
    }

    fn play(self, stage: &mut Stage<'_>) {
        cron_refresh_due(stage, &self);
    }
}

fn bucket_fault(stage: &mut Stage<'_>, step: &BucketFaultStep) {
    let Some(bucket) = RunBucket::of(&stage.world.shared) else {
        stage.event(
            "bucket_fault",
            "no bucket in this run: fault not mounted".to_owned(),
            None,
        );
        return;
    };
    let fault = match step.fault {
        BucketFaultKind::Clear => {
            bucket.faults.clear();
            stage.event("bucket_fault", "bucket faults cleared".to_owned(), None);
            return;
        }
        BucketFaultKind::InternalError => BucketFault::InternalError,
        BucketFaultKind::ServiceUnavailable => BucketFault::ServiceUnavailable,
        BucketFaultKind::SlowDown => BucketFault::SlowDown,
        BucketFaultKind::Latency => BucketFault::Latency(step.delay.unwrap_or_default()),
        BucketFaultKind::Reset => BucketFault::Reset,
        BucketFaultKind::AckLost => BucketFault::AckLost,
        BucketFaultKind::Outage => BucketFault::Outage,
    };
    let target = match step.only {
        BucketFaultTarget::Any => FaultTarget::Any,
        BucketFaultTarget::Writes => FaultTarget::Writes,
        BucketFaultTarget::Reads => FaultTarget::Reads,
    };
    bucket
        .faults
        .mount(fault, target, step.every, step.times)
        .keep();
    stage.event(
        "bucket_fault",
        format!(
            "bucket: {fault:?} on every {} {target:?} request(s){}",
            step.every,
            step.times
                .map(|times| format!(", {times} time(s)"))
                .unwrap_or_default()
        ),
        None,
    );
}

/// Runs the reference `refresh-due` pass over the run's bucket, on the
/// provider's (true) clock, through the same transport kind the instances
/// use.
fn cron_refresh_due(stage: &mut Stage<'_>, step: &CronRefreshDue) {
    let clock: Arc<dyn reference_impl::Clock> = Arc::new(stage.world.provider_clock.clone());
    let store = match crate::broker::open_run_bucket(&stage.world.shared, clock.clone()) {
        Ok(store) => store,
        Err(problem) => {
            stage.sink.failure(format!("cron_refresh_due: {problem}"));
            return;
        }
    };
    let transport: Arc<dyn reference_impl::HttpTransport> = match stage.world.mode {
        Mode::Sim => Arc::new(
            InMemoryTransport::new(stage.world.provider.router())
                .with_timeout(stage.scenario.broker.http_timeout),
        ),
        Mode::Real => Arc::new(reference_impl::ReqwestTransport::with_timeout(
            stage.scenario.broker.http_timeout,
        )),
    };
    let provider = &stage.world.provider;
    let config = reference_impl::BrokerConfig::new(
        provider.token_url(),
        provider.client_id().to_owned(),
        provider.client_secret().expose_secret().to_owned(),
    )
    .with_seed(stage.rng.random());
    let within = step.within;
    stage.event(
        "cron_refresh_due",
        format!(
            "cron fallback: refresh-due --within {}",
            humantime::format_duration(within)
        ),
        None,
    );
    let sink = stage.sink.clone();
    stage.tasks.push(tokio::spawn(async move {
        match reference_impl::refresh_due(config, store, clock, transport, within).await {
            Ok(report) => {
                for account in report.accounts.iter().filter(|a| a.error.is_some()) {
                    tracing::info!(line = %account, "cron_refresh_due: not refreshed");
                }
            }
            Err(error) => sink.failure(format!("cron_refresh_due: {error}")),
        }
    }));
}
