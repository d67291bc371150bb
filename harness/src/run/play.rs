//! Plays a scenario's timeline against a built [`World`] and collects the
//! [`RunRecord`]. Each step plays itself on the [`Stage`]
//! (`crate::steps`); what is left here is the order of play, the skipping
//! of steps the broker cannot take, and the end of the run.

use super::world::World;
use crate::broker::Capabilities;
use crate::record::{Event, RunRecord, SkippedStep};
use crate::scenario::{Action, Scenario, StatusPoll, TimedAction, expand_timeline};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::time::Duration;
use tokio::task::JoinHandle;

pub(crate) mod auth_steps;
pub(crate) mod email;
pub(crate) mod gateway;
mod stage;

pub(crate) use stage::{CALL_TIMEOUT, RetryAsked, Sink, Stage, lock};

/// Plays the whole timeline, waits for the run's duration and every call,
/// and returns what was recorded.
pub(super) async fn play(world: &World, scenario: &Scenario, seed: u64) -> RunRecord {
    let started_at = world.provider_clock.now();
    let capabilities = world
        .instances
        .first()
        .map(|i| Capabilities::of(&*i.broker))
        .unwrap_or_default();
    let mut have = capabilities.names();
    // The gateway powers (sign-in, service accounts, relay) by name too.
    if let Some(first) = world.instances.first() {
        have.extend(super::gateway_needs::gateway_names(first.broker.as_ref()));
    }
    let mut skipped_steps: Vec<SkippedStep> = Vec::new();
    let mut player = Stage {
        world,
        scenario,
        rng: ChaCha8Rng::seed_from_u64(seed ^ 0x0068_6172_6e65_7373),
        sink: Sink::new(world.provider_clock.clone()),
        tasks: Vec::new(),
    };
    for timed in timeline_with_polls(scenario) {
        // Finished calls need no more waiting for; the skipper counts the rest.
        player.tasks.retain(|task| !task.is_finished());
        super::skip::advance_to(world, timed.at, &mut || unfinished(&player.tasks)).await;
        tokio::time::sleep_until(world.time.instant_at(timed.at)).await;
        if let Some(capability) = timed.action.needs()
            && !have.contains(&capability)
        {
            let kind = timed.action.name();
            match skipped_steps.iter_mut().find(|s| s.kind == kind) {
                Some(skipped) => skipped.count += 1,
                None => skipped_steps.push(SkippedStep {
                    kind,
                    capability,
                    count: 1,
                }),
            }
            continue;
        }
        timed.action.play(&mut player);
    }
    super::skip::advance_to(world, scenario.duration, &mut || unfinished(&player.tasks)).await;
    tokio::time::sleep_until(world.time.instant_at(scenario.duration)).await;
    // Calls the last steps spread past the end still wait on the timeline.
    super::skip::drain(world, &mut || unfinished(&player.tasks)).await;
    for task in std::mem::take(&mut player.tasks) {
        // A task only fails if the broker panicked; that shows up as a
        // missing record, which the checkers report.
        let _ = task.await;
    }
    let email = email::settle(world, scenario, &player.sink).await;
    let ended_at = world.provider_clock.now();
    let mut broker_log = Vec::new();
    let mut broker_answers = Vec::new();
    let mut instance_logs = Vec::new();
    let mut broker_problems = Vec::new();
    for (index, instance) in world.instances.iter().enumerate() {
        instance.broker.shutdown().await;
        if let Some(log) = instance.broker.captured_log() {
            broker_log.extend_from_slice(&log);
            instance_logs.push((index as u32, log));
        }
        if let Some(answers) = instance.broker.captured_answers() {
            broker_answers.extend_from_slice(&answers);
        }
        for problem in instance.broker.problems() {
            broker_problems.push(format!("instance {index}: {problem}"));
        }
    }
    if let Some(store) = &world.store_at_rest {
        // Every instance is down: the store is at rest.
        let parts = store.read("after the run").await;
        lock(&player.sink.store_bytes).extend(parts);
    }
    // A fault still mounted at the end comes off with the run.
    for (fault, window) in player.sink.history().fault_windows().iter().enumerate() {
        if window.unmounted_at.is_none() {
            player.sink.push(Event::FaultUnmounted {
                fault,
                at: ended_at,
            });
        }
    }
    RunRecord {
        own_grants: world.own_grants.clone(),
        journal: world.provider.journal().entries(),
        journal_hash: world.provider.journal().hash(),
        history: player.sink.history(),
        broker_log,
        instance_logs,
        request_urls: lock(&world.request_urls).clone(),
        broker_answers,
        store_bytes: std::mem::take(&mut *lock(&player.sink.store_bytes)),
        secrets: world.provider.secrets().snapshot(),
        broker_problems,
        started_at: Some(started_at),
        ended_at: Some(ended_at),
        email,
        auth: auth_steps::finish(world, scenario, &player.sink),
        gateway: gateway::finish(world, scenario, &player.sink),
        capabilities,
        instances: u32::try_from(world.instances.len()).unwrap_or(u32::MAX),
        skipped_steps,
    }
}

/// How many of `tasks` have not finished.
fn unfinished(tasks: &[JoinHandle<()>]) -> usize {
    tasks.iter().filter(|task| !task.is_finished()).count()
}

/// The file's timeline plus the status polls `outage_surfaced` needs.
fn timeline_with_polls(scenario: &Scenario) -> Vec<TimedAction> {
    let mut actions = expand_timeline(scenario);
    if let Some(params) = &scenario.invariants.outage_surfaced {
        let mut at = Duration::ZERO;
        while at <= scenario.duration && !params.poll_every.is_zero() {
            actions.push(TimedAction {
                at,
                step: usize::MAX,
                action: Action::StatusPoll(StatusPoll::default()),
            });
            at += params.poll_every;
        }
        actions.sort_by_key(|a| (a.at, a.step));
    }
    actions
}
