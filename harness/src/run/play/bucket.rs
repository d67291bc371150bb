//! The `bucket_fault` step: mounts a fault on the run's bucket (the S3
//! server's fault layer in real mode, the in-memory bucket's in sim mode)
//! and leaves it until a `clear`. The `cron_refresh_due` step: the cron
//! fallback's pass over the bucket.

use super::{Player, lock};
use crate::broker::RunBucket;
use crate::scenario::{BucketFaultKind, BucketFaultStep, BucketFaultTarget, CronRefreshDue, Mode};
use crate::sim::InMemoryTransport;
use rand::Rng;
use secrecy::ExposeSecret;
use std::sync::Arc;
use throwaway_bucket::{BucketFault, FaultTarget};

impl Player<'_> {
    pub(super) fn bucket_fault(&mut self, step: &BucketFaultStep) {
        let Some(bucket) = RunBucket::of(&self.world.shared) else {
            self.event(
                "bucket_fault",
                "no bucket in this run: fault not mounted".to_owned(),
                None,
            );
            return;
        };
        let fault = match step.fault {
            BucketFaultKind::Clear => {
                bucket.faults.clear();
                self.event("bucket_fault", "bucket faults cleared".to_owned(), None);
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
        self.event(
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
}

impl Player<'_> {
    /// Runs the reference `refresh-due` pass over the run's bucket, on the
    /// provider's (true) clock, through the same transport kind the
    /// instances use.
    pub(super) fn cron_refresh_due(&mut self, step: &CronRefreshDue) {
        let clock: Arc<dyn reference_impl::Clock> = Arc::new(self.world.provider_clock.clone());
        let store = match crate::broker::open_run_bucket(&self.world.shared, clock.clone()) {
            Ok(store) => store,
            Err(problem) => {
                lock(&self.sink.failures).push(format!("cron_refresh_due: {problem}"));
                return;
            }
        };
        let transport: Arc<dyn reference_impl::HttpTransport> = match self.world.mode {
            Mode::Sim => Arc::new(
                InMemoryTransport::new(self.world.provider.router())
                    .with_timeout(self.scenario.broker.http_timeout),
            ),
            Mode::Real => Arc::new(reference_impl::ReqwestTransport::with_timeout(
                self.scenario.broker.http_timeout,
            )),
        };
        let provider = &self.world.provider;
        let config = reference_impl::BrokerConfig::new(
            provider.token_url(),
            provider.client_id().to_owned(),
            provider.client_secret().expose_secret().to_owned(),
        )
        .with_seed(self.rng.random());
        let within = step.within;
        self.event(
            "cron_refresh_due",
            format!(
                "cron fallback: refresh-due --within {}",
                humantime::format_duration(within)
            ),
            None,
        );
        let sink = self.sink.clone();
        self.tasks.push(tokio::spawn(async move {
            match reference_impl::refresh_due(config, store, clock, transport, within).await {
                Ok(report) => {
                    for account in report.accounts.iter().filter(|a| a.error.is_some()) {
                        tracing::info!(line = %account, "cron_refresh_due: not refreshed");
                    }
                }
                Err(error) => lock(&sink.failures).push(format!("cron_refresh_due: {error}")),
            }
        }));
    }
}
