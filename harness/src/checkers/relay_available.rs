use super::{Checker, Judgement, Violation, capped};
use crate::broker::FailureKind;
use crate::record::RunRecord;
use crate::scenario::RelayAvailabilityParams;
use std::time::{Duration, SystemTime};

const NAME: &str = "relay_consumers_available";

/// Relay consumers stay available: every call ends within `answer_within`; a
/// call made while the relay is down fails with a retryable error (or serves a
/// cached token) instead of hanging; no consumer contacts a down relay more than
/// `max_calls_per_outage` times (a retry loop); and `recover_within` after the
/// relay is back, consumers get tokens again.
///
/// Without a relay call: unknown, never a pass.
#[derive(Debug, Clone)]
pub struct RelayConsumersAvailable {
    params: RelayAvailabilityParams,
}

impl RelayConsumersAvailable {
    /// With the scenario's parameters.
    pub fn new(params: RelayAvailabilityParams) -> Self {
        Self { params }
    }

    fn down_at(run: &RunRecord, at: SystemTime) -> bool {
        run.gateway
            .relay_outages
            .iter()
            .any(|window| at >= window.from && window.until.is_none_or(|until| at < until))
    }

    /// The violations, or why there is no verdict.
    pub fn assess(&self, run: &RunRecord) -> Result<Vec<Violation>, String> {
        let calls = &run.gateway.relay_calls;
        if calls.is_empty() {
            return Err("no relay consumer made a call".to_owned());
        }
        let mut found = Vec::new();
        let waited = |call: &crate::record::RelayCall| {
            call.finished_at
                .duration_since(call.started_at)
                .unwrap_or(Duration::ZERO)
        };
        for call in calls {
            if waited(call) > self.params.answer_within {
                found.push(self.violation(format!(
                    "consumer `{}` waited {} for an answer (bound {})",
                    call.consumer,
                    humantime::format_duration(waited(call)),
                    humantime::format_duration(self.params.answer_within)
                )));
            }
            if let Err((kind, retryable, message)) = &call.result
                && Self::down_at(run, call.started_at)
                && !(*retryable && *kind == FailureKind::Transient)
            {
                found.push(self.violation(format!(
                    "consumer `{}` got a non-retryable {kind:?} error while the relay was down: {message}",
                    call.consumer
                )));
            }
        }
        for window in &run.gateway.relay_outages {
            let end = window.until.or(run.ended_at);
            let mut per_consumer: std::collections::BTreeMap<&str, u32> = Default::default();
            for (consumer, at) in &run.gateway.relay_contacts {
                if *at >= window.from && end.is_none_or(|end| *at < end) {
                    *per_consumer.entry(consumer.as_str()).or_default() += 1;
                }
            }
            for (consumer, contacts) in per_consumer {
                if contacts > self.params.max_calls_per_outage {
                    found.push(self.violation(format!(
                        "consumer `{consumer}` contacted the down relay {contacts} times in one outage (bound {}): a retry loop",
                        self.params.max_calls_per_outage
                    )));
                }
            }
            let Some(until) = window.until else {
                continue;
            };
            let settled = until + self.params.recover_within;
            let mut first_after: std::collections::BTreeMap<&str, &crate::record::RelayCall> =
                Default::default();
            for call in calls.iter().filter(|call| call.started_at >= settled) {
                first_after
                    .entry(call.consumer.as_str())
                    .and_modify(|first| {
                        if call.started_at < first.started_at {
                            *first = call;
                        }
                    })
                    .or_insert(call);
            }
            for (consumer, call) in first_after {
                if let Err((kind, _, message)) = &call.result
                    && *kind != FailureKind::Revoked
                {
                    found.push(self.violation(format!(
                        "consumer `{consumer}` still had no token {} after the relay came back: {message}",
                        humantime::format_duration(self.params.recover_within)
                    )));
                }
            }
        }
        Ok(capped(NAME, found))
    }

    fn violation(&self, message: String) -> Violation {
        Violation {
            invariant: NAME,
            message,
            entries: Vec::new(),
        }
    }
}

impl Checker for RelayConsumersAvailable {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        Judgement::from_assessment(self.assess(run))
    }
}
