//! The strict shrinker. A candidate is a smaller schedule (fewer steps,
//! accounts or instances, a shorter run, simpler steps); it is replayed
//! from the same seed, and kept only if the *same* invariant still fails.
//! Nothing is assumed to shrink monotonically: every kept step is a run
//! that failed, so the last one kept is a file that fails by itself.

use super::case::{PlayedCase, play_case};
use super::errors::ExploreError;
use super::expectations::InvariantPlan;
use super::schedule::{Schedule, StepKind, TimedStep};
use crate::choice::BrokerChoice;
use std::time::Duration;

/// What shrinking ended with.
#[derive(Debug)]
pub struct Shrunk {
    /// The smallest failing case found (its plan names only the invariant).
    pub case: PlayedCase,
    /// Steps before shrinking.
    pub original_steps: usize,
    /// Replays run (candidates tried).
    pub replays: usize,
}

/// Shrinks `failing` while `invariant` keeps failing, within `budget`
/// replays. The starting point is replayed first with only `invariant`
/// named; if that alone no longer fails (another invariant's status polls
/// changed the interleaving), the whole plan is kept throughout.
pub fn shrink(
    failing: &PlayedCase,
    invariant: &'static str,
    broker: &BrokerChoice,
    budget: usize,
) -> Result<Shrunk, ExploreError> {
    let mut shrinker = Shrinker {
        invariant,
        broker,
        budget,
        replays: 0,
        whole_plan: false,
    };
    let original_steps = failing.schedule.steps.len();
    let mut best = match shrinker.try_candidate(&failing.schedule)? {
        Some(case) => case,
        None => {
            shrinker.whole_plan = true;
            match shrinker.try_candidate(&failing.schedule)? {
                Some(case) => case,
                // Not reproducible in isolation at all: hand back the
                // original run (it did fail).
                None => {
                    return Ok(Shrunk {
                        case: replay_of(failing),
                        original_steps,
                        replays: shrinker.replays,
                    });
                }
            }
        }
    };
    loop {
        let before = best.schedule.clone();
        best = shrinker.remove_steps(best)?;
        best = shrinker.fewer_accounts_and_instances(best)?;
        best = shrinker.shorter_run(best)?;
        best = shrinker.simpler_steps(best)?;
        if best.schedule == before || shrinker.exhausted() {
            break;
        }
    }
    Ok(Shrunk {
        case: best,
        original_steps,
        replays: shrinker.replays,
    })
}

fn replay_of(case: &PlayedCase) -> PlayedCase {
    PlayedCase {
        schedule: case.schedule.clone(),
        plan: case.plan.clone(),
        text: case.text.clone(),
        outcome: case.outcome.clone(),
        record: case.record.clone(),
    }
}

struct Shrinker<'a> {
    invariant: &'static str,
    broker: &'a BrokerChoice,
    budget: usize,
    replays: usize,
    whole_plan: bool,
}

impl Shrinker<'_> {
    fn exhausted(&self) -> bool {
        self.replays >= self.budget
    }

    /// Replays `schedule`; the case if `invariant` still fails.
    fn try_candidate(&mut self, schedule: &Schedule) -> Result<Option<PlayedCase>, ExploreError> {
        if self.exhausted() {
            return Ok(None);
        }
        self.replays += 1;
        let full = InvariantPlan::for_schedule(schedule);
        let plan = if self.whole_plan {
            full
        } else {
            full.only(self.invariant)
        };
        let name = format!(
            "explore-{}-{}",
            self.invariant.replace('_', "-"),
            schedule.seed
        );
        let case = play_case(schedule, &plan, self.broker, &name)?;
        Ok(case.outcome.violated(self.invariant).then_some(case))
    }

    /// Delta debugging over the steps: drop halves, then quarters, ... then
    /// single steps, keeping every removal after which it still fails.
    fn remove_steps(&mut self, mut best: PlayedCase) -> Result<PlayedCase, ExploreError> {
        let mut chunk = best.schedule.steps.len().div_ceil(2).max(1);
        loop {
            let mut start = 0;
            while start < best.schedule.steps.len() && !self.exhausted() {
                let mut candidate = best.schedule.clone();
                let end = (start + chunk).min(candidate.steps.len());
                candidate.steps.drain(start..end);
                match self.try_candidate(&candidate)? {
                    Some(case) => best = case,
                    None => start += chunk,
                }
            }
            if chunk == 1 || self.exhausted() {
                return Ok(best);
            }
            chunk = chunk.div_ceil(2);
        }
    }

    fn fewer_accounts_and_instances(
        &mut self,
        mut best: PlayedCase,
    ) -> Result<PlayedCase, ExploreError> {
        for accounts in 1..best.schedule.accounts {
            let mut candidate = best.schedule.clone();
            candidate.accounts = accounts;
            candidate
                .steps
                .retain(|s| s.step.account().is_none_or(|a| a < accounts));
            if let Some(case) = self.try_candidate(&candidate)? {
                best = case;
                break;
            }
        }
        for instances in 1..best.schedule.instances {
            let mut candidate = best.schedule.clone();
            candidate.instances = instances;
            candidate
                .steps
                .retain(|s| s.step.instance().is_none_or(|i| i < instances));
            if let Some(case) = self.try_candidate(&candidate)? {
                best = case;
                break;
            }
        }
        Ok(best)
    }

    /// Ends the run soon after the last step that still matters, then
    /// halves what is left while it fails.
    fn shorter_run(&mut self, mut best: PlayedCase) -> Result<PlayedCase, ExploreError> {
        let last = best
            .schedule
            .steps
            .iter()
            .map(step_end)
            .max()
            .unwrap_or_default();
        // Faults stay over by the settling time before the end, as
        // generated (the final sync judges mail, not a backoff).
        let floor = last + super::strategy::SETTLE;
        let mut tries = vec![floor];
        let mut length = best.schedule.duration;
        while length > floor {
            length /= 2;
            tries.push(length.max(floor));
        }
        for duration in tries {
            if duration >= best.schedule.duration {
                continue;
            }
            let mut candidate = best.schedule.clone();
            candidate.duration = duration;
            for step in &mut candidate.steps {
                step.until = step.until.map(|u| u.min(duration));
            }
            if let Some(case) = self.try_candidate(&candidate)? {
                best = case;
            }
        }
        Ok(best)
    }

    /// Per step: one caller, one message, no spread, no repetition; for the
    /// world: no rotation, no latency.
    fn simpler_steps(&mut self, mut best: PlayedCase) -> Result<PlayedCase, ExploreError> {
        if best.schedule.rotation_grace.is_some() {
            let mut candidate = best.schedule.clone();
            candidate.rotation_grace = None;
            if let Some(case) = self.try_candidate(&candidate)? {
                best = case;
            }
        }
        if !best.schedule.token_latency.is_zero() {
            let mut candidate = best.schedule.clone();
            candidate.token_latency = Duration::ZERO;
            if let Some(case) = self.try_candidate(&candidate)? {
                best = case;
            }
        }
        let mut index = 0;
        while index < best.schedule.steps.len() && !self.exhausted() {
            for simpler in simplifications(&best.schedule.steps[index]) {
                let mut candidate = best.schedule.clone();
                candidate.steps[index] = simpler;
                if let Some(case) = self.try_candidate(&candidate)? {
                    best = case;
                    break;
                }
            }
            index += 1;
        }
        Ok(best)
    }
}

/// When a step's effect ends (a repeated step: its last repetition).
fn step_end(step: &TimedStep) -> Duration {
    let own = match &step.step {
        StepKind::TokenFault { until, .. } | StepKind::GmailFault { until, .. } => *until,
        StepKind::StoreOutage { length, .. }
        | StepKind::StoreReadOnly { length, .. }
        | StepKind::Pause { length, .. } => step.at + *length,
        _ => step.at,
    };
    match (step.every, step.until) {
        (Some(_), Some(until)) => own.max(until),
        (Some(_), None) => Duration::from_secs(u64::MAX / 4),
        _ => own,
    }
}

/// Simpler versions of one step, simplest first.
fn simplifications(step: &TimedStep) -> Vec<TimedStep> {
    let mut out = Vec::new();
    if step.every.is_some() {
        // A repeated step that ends sooner, then once only.
        if step.until.is_none() {
            for hours in [1u64, 2, 4] {
                out.push(TimedStep {
                    until: Some(step.at + Duration::from_secs(hours * 3600)),
                    ..step.clone()
                });
            }
        }
        out.push(TimedStep {
            every: None,
            until: None,
            ..step.clone()
        });
    }
    let with = |kind: StepKind| TimedStep {
        step: kind,
        ..step.clone()
    };
    match &step.step {
        StepKind::TokenRequests {
            account,
            callers,
            spread,
            instance,
        } => {
            if *callers > 1 {
                out.push(with(StepKind::TokenRequests {
                    account: *account,
                    callers: 1,
                    spread: *spread,
                    instance: *instance,
                }));
                if *callers > 4 {
                    out.push(with(StepKind::TokenRequests {
                        account: *account,
                        callers: callers / 2,
                        spread: *spread,
                        instance: *instance,
                    }));
                }
            }
            if !spread.is_zero() {
                out.push(with(StepKind::TokenRequests {
                    account: *account,
                    callers: *callers,
                    spread: Duration::ZERO,
                    instance: *instance,
                }));
            }
        }
        StepKind::Send {
            account,
            count,
            instance,
        } if *count > 1 => out.push(with(StepKind::Send {
            account: *account,
            count: 1,
            instance: *instance,
        })),
        StepKind::TokenFault {
            account: Some(_),
            fault,
            times,
            until,
        } => out.push(with(StepKind::TokenFault {
            account: None,
            fault: *fault,
            times: *times,
            until: *until,
        })),
        _ => {}
    }
    out
}
