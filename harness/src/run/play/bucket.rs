//! The `bucket_fault` step: mounts a fault on the run's bucket (the S3
//! server's fault layer in real mode, the in-memory bucket's in sim mode)
//! and leaves it until a `clear`.

use super::Player;
use crate::broker::RunBucket;
use crate::scenario::{BucketFaultKind, BucketFaultStep, BucketFaultTarget};
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
