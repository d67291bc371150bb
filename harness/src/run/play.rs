//! Plays a scenario's timeline against a built [`World`] and collects the
//! [`RunRecord`]. Each step kind is one arm of [`Player::apply`].

use super::world::{Instance, World};
use crate::broker::{Capabilities, FailureKind};
use crate::record::{
    FaultWindow, RunRecord, ServedToken, SkippedStep, StatusSample, TimelineEvent,
};
use crate::scenario::{
    Action, ClockOwner, ConnectionFault, FaultEndpoint, FaultStep, Scenario, StatusPoll,
    TimedAction, expand_timeline,
};
use crate::sim::SimClock;
use mock_provider::{Endpoint, Fault, FaultAction, Fingerprint};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use secrecy::ExposeSecret;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::task::JoinHandle;

mod auth_steps;
mod bucket;
mod email;
mod gateway;

/// A broker call that takes longer than this (simulated in sim mode) is a timeout.
const CALL_TIMEOUT: Duration = Duration::from_secs(300);

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One part of the store at rest: its label and raw bytes.
type StorePart = (String, Vec<u8>);

/// Shared, append-only parts of the record that spawned tasks write to.
#[derive(Debug, Clone, Default)]
struct Sink {
    served: Arc<Mutex<Vec<ServedToken>>>,
    failures: Arc<Mutex<Vec<String>>>,
    faults: Arc<Mutex<Vec<FaultWindow>>>,
    events: Arc<Mutex<Vec<TimelineEvent>>>,
    samples: Arc<Mutex<Vec<StatusSample>>>,
    email: Arc<Mutex<email::EmailLog>>,
    store_bytes: Arc<Mutex<Vec<StorePart>>>,
    auth: Arc<Mutex<super::AuthRecord>>,
    gateway: Arc<Mutex<super::GatewayRecord>>,
}

struct Player<'w> {
    world: &'w World,
    scenario: &'w Scenario,
    rng: ChaCha8Rng,
    sink: Sink,
    tasks: Vec<JoinHandle<()>>,
}

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
    let mut player = Player {
        world,
        scenario,
        rng: ChaCha8Rng::seed_from_u64(seed ^ 0x0068_6172_6e65_7373),
        sink: Sink::default(),
        tasks: Vec::new(),
    };
    for timed in timeline_with_polls(scenario) {
        // Finished calls need no more waiting for; the skipper counts the rest.
        player.tasks.retain(|task| !task.is_finished());
        super::skip::advance_to(world, timed.at, &mut || unfinished(&player.tasks)).await;
        tokio::time::sleep_until(world.time.instant_at(timed.at)).await;
        if let (kind, Some(capability)) = super::step_needs::step_need(&timed.action)
            && !have.contains(&capability)
        {
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
        player.apply(timed.action);
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
    let mut failure_messages = lock(&player.sink.failures).clone();
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
    failure_messages.sort();
    if let Some(store) = &world.store_at_rest {
        // Every instance is down: the store is at rest.
        let parts = store.read("after the run").await;
        lock(&player.sink.store_bytes).extend(parts);
    }
    let mut faults = lock(&player.sink.faults).clone();
    for window in &mut faults {
        window.unmounted_at.get_or_insert(ended_at);
    }
    RunRecord {
        journal: world.provider.journal().entries(),
        journal_hash: world.provider.journal().hash(),
        served: lock(&player.sink.served).clone(),
        failure_messages,
        faults,
        events: lock(&player.sink.events).clone(),
        status_samples: lock(&player.sink.samples).clone(),
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

impl Player<'_> {
    fn event(&self, kind: &'static str, what: String, account: Option<String>) {
        lock(&self.sink.events).push(TimelineEvent {
            at: self.world.provider_clock.now(),
            what,
            account,
            kind,
        });
    }

    fn clocks_of(&self, owner: ClockOwner, instance: u32) -> Vec<SimClock> {
        let brokers = self.world.instances.iter().map(|i| i.clock.clone());
        match owner {
            ClockOwner::Provider => vec![self.world.provider_clock.clone()],
            ClockOwner::Broker => self
                .world
                .instances
                .get(instance as usize)
                .map(|i| vec![i.clock.clone()])
                .unwrap_or_default(),
            ClockOwner::All => std::iter::once(self.world.provider_clock.clone())
                .chain(brokers)
                .collect(),
        }
    }

    /// Hands the new offsets of the broker clocks (skew plus skipped) to
    /// brokers that keep their own clock (processes under libfaketime);
    /// in-process brokers read their `SimClock` and answer `Unsupported`.
    fn push_clock_offsets(&self) {
        let failures = super::skip::push_offsets(self.world);
        lock(&self.sink.failures).extend(failures);
    }

    fn apply(&mut self, action: Action) {
        match action {
            Action::TokenRequests(requests) => {
                let Some(instance) = self.world.instances.get(requests.instance as usize) else {
                    return;
                };
                for _ in 0..requests.callers {
                    let delay = random_within(&mut self.rng, requests.spread);
                    self.tasks.push(tokio::spawn(call_access_token(
                        instance.clone(),
                        requests.instance,
                        requests.account.clone(),
                        delay,
                        self.world.provider_clock.clone(),
                        self.sink.clone(),
                    )));
                }
            }
            Action::RevokeAccount { account } => {
                let grants = self.world.provider.revoke_account(&account);
                self.event(
                    "revoke_account",
                    format!("revoked {grants} grant(s) of {account}"),
                    Some(account),
                );
            }
            Action::Fault(step) => self.mount_fault(&step),
            Action::SkewClock(skew) => {
                for clock in self.clocks_of(skew.of, skew.instance) {
                    clock.skew(skew.by, skew.ahead);
                }
                self.push_clock_offsets();
                let direction = if skew.ahead { "ahead" } else { "behind" };
                self.event(
                    "skew_clock",
                    format!(
                        "{:?} clock {} {direction}",
                        skew.of,
                        humantime::format_duration(skew.by)
                    ),
                    None,
                );
            }
            Action::JumpClock(jump) => {
                for clock in self.clocks_of(jump.of, jump.instance) {
                    clock.jump(jump.by, jump.forward);
                }
                self.push_clock_offsets();
                let direction = if jump.forward { "forward" } else { "back" };
                self.event(
                    "jump_clock",
                    format!(
                        "{:?} clock jumped {} {direction}",
                        jump.of,
                        humantime::format_duration(jump.by)
                    ),
                    None,
                );
            }
            Action::Pause(pause) => {
                let Some(instance) = self.world.instances.get(pause.instance as usize) else {
                    return;
                };
                let until = self.world.time.elapsed() + pause.duration;
                *lock(&instance.paused_until) = Some(until);
                instance.clock.freeze();
                // A process stalls for real: SIGSTOP now, SIGCONT at `until`.
                let processes = self.world.processes.clone();
                let index = pause.instance;
                if let Some(table) = &processes {
                    table.stall(index, true);
                }
                self.event(
                    "pause",
                    format!(
                        "instance {} stalled for {}",
                        pause.instance,
                        humantime::format_duration(pause.duration)
                    ),
                    None,
                );
                let instance = instance.clone();
                self.tasks.push(tokio::spawn(async move {
                    instance.time.sleep_until_offset(until).await;
                    if let Some(table) = &processes {
                        table.stall(index, false);
                    }
                    instance.clock.thaw();
                    *lock(&instance.paused_until) = None;
                }));
            }
            Action::StatusPoll(poll) => {
                let instances: Vec<(u32, Instance)> = (0u32..)
                    .zip(self.world.instances.iter().cloned())
                    .filter(|(i, _)| poll.instance.is_none_or(|only| only == *i))
                    .collect();
                for (index, instance) in instances {
                    self.tasks.push(tokio::spawn(poll_status(
                        instance,
                        index,
                        self.world.provider_clock.clone(),
                        self.sink.clone(),
                    )));
                }
            }
            Action::Restart { instance: index } => {
                let Some(instance) = self.world.instances.get(index as usize).cloned() else {
                    return;
                };
                self.event(
                    "restart",
                    format!("instance {index} killed and restarted"),
                    None,
                );
                let sink = self.sink.clone();
                let store = self.world.store_at_rest.clone();
                let clock = self.world.provider_clock.clone();
                self.tasks.push(tokio::spawn(async move {
                    // What the instance stored must outlive the kill.
                    let stored = email::stored_before_kill(&instance, &sink).await;
                    let killed_at = clock.now();
                    let number = instance.restart_epoch.fetch_add(1, Ordering::SeqCst) / 2 + 1;
                    let restarted = instance.broker.restart().await;
                    instance.restart_epoch.fetch_add(1, Ordering::SeqCst);
                    if let Err(failure) = restarted {
                        lock(&sink.failures)
                            .push(format!("restart of instance {index}: {failure}"));
                    }
                    if let Some(store) = store {
                        let when = format!("after restart {number} of instance {index}");
                        let parts = store.read(&when).await;
                        lock(&sink.store_bytes).extend(parts);
                    }
                    email::stored_after_restart(&instance, index, stored, killed_at, &clock, &sink)
                        .await;
                }));
            }
            Action::Sync(step) => self.sync_step(step),
            Action::Send(step) => self.send_step(step),
            Action::MailboxAdd(change) => self.mailbox_add(change),
            Action::MailboxDelete(change) => self.mailbox_delete(change),
            Action::MailboxRelabel(change) => self.mailbox_relabel(change),
            Action::ExpireHistory { account } => self.expire_history(account),
            Action::CrashSync(step) => self.crash_sync_step(step),
            Action::GmailFault(step) => self.mount_gmail_fault(&step),
            Action::MailStoreFault(step) => self.mail_store_fault(step),
            action @ (Action::Authorize(_)
            | Action::ForgeCallback(_)
            | Action::ChangePassword { .. }
            | Action::InvalidateAccessTokens { .. }
            | Action::EvictByLimit { .. }
            | Action::GmailProfile(_)
            | Action::StoreOutage(_)
            | Action::StoreReadOnly(_)
            | Action::StoreFailAfter(_)) => self.apply_lifecycle(action),
            action @ (Action::SignIn(_)
            | Action::RotateSigningKey(_)
            | Action::ServiceAccountTokens(_)
            | Action::RelayRequests(_)
            | Action::RelayOutage(_)) => self.apply_gateway(action),
            Action::BucketFault(step) => self.bucket_fault(&step),
            Action::CronRefreshDue(step) => self.cron_refresh_due(&step),
        }
    }

    fn mount_fault(&mut self, step: &FaultStep) {
        let target = match step.endpoint {
            FaultEndpoint::Token => Fault::on(Endpoint::Token),
            FaultEndpoint::Any => Fault::on_any(),
        };
        let target = match &step.account {
            Some(account) => target.account(account.clone()),
            None => target,
        };
        let mut fault = match (step.status, step.delay) {
            _ if step.connection.is_some() => match step.connection {
                Some(ConnectionFault::AckLost) => target.ack_lost(),
                Some(ConnectionFault::Reset) => target.reset(),
                _ => target.hang(),
            },
            (Some(status), _) => {
                let mut headers = vec![(
                    "content-type".to_owned(),
                    "application/json; charset=utf-8".to_owned(),
                )];
                headers.extend(step.headers.iter().map(|(k, v)| (k.clone(), v.clone())));
                target.then(FaultAction::Respond {
                    status: http::StatusCode::from_u16(status)
                        .unwrap_or(http::StatusCode::SERVICE_UNAVAILABLE),
                    headers,
                    body: step
                        .body
                        .clone()
                        .unwrap_or_else(|| r#"{"error":"backend_error"}"#.to_owned()),
                })
            }
            (None, delay) => target.delay(delay.unwrap_or_default()),
        };
        if let Some(times) = step.times {
            fault = fault.times(times);
        }
        let label = fault.label();
        let guard = self.world.provider.mount(fault);
        let index = {
            let mut faults = lock(&self.sink.faults);
            faults.push(FaultWindow {
                label: label.clone(),
                retry_after: step.retry_after(),
                retry_at: None,
                mounted_at: self.world.provider_clock.now(),
                unmounted_at: None,
            });
            faults.len() - 1
        };
        self.event("fault", format!("mounted `{label}`"), step.account.clone());
        let until = step.until.unwrap_or(self.scenario.duration);
        let time = self.world.time.clone();
        let faults = self.sink.faults.clone();
        let clock = self.world.provider_clock.clone();
        self.tasks.push(tokio::spawn(async move {
            time.sleep_until_offset(until).await;
            drop(guard);
            if let Some(window) = lock(&faults).get_mut(index) {
                window.unmounted_at = Some(clock.now());
            }
        }));
    }
}

fn random_within(rng: &mut ChaCha8Rng, window: Duration) -> Duration {
    let nanos = u64::try_from(window.as_nanos()).unwrap_or(u64::MAX);
    if nanos == 0 {
        Duration::ZERO
    } else {
        Duration::from_nanos(rng.random_range(0..nanos))
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
        Ok(Ok(token)) => Ok(Fingerprint::of(token.expose_secret())),
        Ok(Err(failure)) if failure.kind == FailureKind::Crashed && killed_under_it => {
            Err(FailureKind::Killed)
        }
        Ok(Err(failure)) => {
            lock(&sink.failures).push(failure.message.clone());
            Err(failure.kind)
        }
        Err(_) => Err(FailureKind::Timeout),
    };
    lock(&sink.served).push(ServedToken {
        instance: index,
        account,
        requested_at,
        served_at: clock.now(),
        result,
    });
}

async fn poll_status(instance: Instance, index: u32, clock: SimClock, sink: Sink) {
    instance.wait_if_paused().await;
    let at = clock.now();
    let accounts = match tokio::time::timeout(
        CALL_TIMEOUT,
        instance.broker.status_or_refusal().status(),
    )
    .await
    {
        Ok(Ok(accounts)) => accounts,
        Ok(Err(failure)) => {
            lock(&sink.failures).push(failure.message);
            Vec::new()
        }
        Err(_) => Vec::new(),
    };
    lock(&sink.samples).push(StatusSample {
        instance: index,
        at,
        answered_at: clock.now(),
        accounts,
    });
}
