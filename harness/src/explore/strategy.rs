//! proptest strategies for schedules, weighted so that the interleavings
//! worth finding are common: faults and lifecycle events land near a
//! token's refresh point (the last minutes of its life) far more often
//! than uniform times would put them, kills come in bursts of traffic,
//! revocations and Gmail faults land among syncs, and rotation is on often
//! when more than one instance shares the grant.

use super::fault_strategy::{fault_length, gmail_fault_kind, gmail_target, token_fault};
use super::schedule::{ClockTarget, Schedule, StepKind, TimedStep};
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};
use std::time::Duration;

/// What a batch of cases draws from.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleShape {
    /// Simulated length of every case.
    pub duration: Duration,
    /// Broker instances, inclusive bounds (1 to 3).
    pub instances: (u32, u32),
    /// Accounts, inclusive bounds (1 to 5).
    pub accounts: (usize, usize),
    /// Most random steps per case (on top of the background traffic).
    pub max_steps: usize,
    /// Which step kinds dominate.
    pub focus: Focus,
}

impl Default for ScheduleShape {
    fn default() -> Self {
        Self {
            duration: Duration::from_secs(6 * 3600),
            instances: (1, 3),
            accounts: (1, 5),
            max_steps: 24,
            focus: Focus::Everything,
        }
    }
}

/// Which family of steps a batch weights up. Each invariant family has
/// one, so `--invariant NAME` spends its cases where NAME can fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// Herds, token-endpoint faults, clocks and pauses.
    Tokens,
    /// Revocations, password changes, evictions, 401s, rotation.
    Lifecycle,
    /// Kills, store outages.
    Restarts,
    /// Syncs, sends, mailbox changes, Gmail faults.
    Mail,
    /// All of them.
    Everything,
}

impl Focus {
    /// The focus that exercises `invariant` best.
    ///
    /// ```
    /// use harness::explore::Focus;
    /// assert_eq!(Focus::for_invariant("no_lost_email"), Focus::Mail);
    /// ```
    pub fn for_invariant(invariant: &str) -> Self {
        match invariant {
            "single_flight_refresh" | "proactive_refresh" | "retry_discipline" => Self::Tokens,
            "outage_surfaced"
            | "no_stale_overwrite"
            | "no_rejected_token_reuse"
            | "least_privilege"
            | "csrf_protected" => Self::Lifecycle,
            "survives_restart" => Self::Restarts,
            "no_lost_email" | "no_duplicate_email" => Self::Mail,
            _ => Self::Everything,
        }
    }
}

/// The strategy of schedules of `shape`; `seed` becomes the scenario seed.
pub fn schedule_strategy(shape: &ScheduleShape, seed: u64) -> BoxedStrategy<Schedule> {
    let shape = shape.clone();
    let world = (
        shape.instances.0..=shape.instances.1,
        shape.accounts.0..=shape.accounts.1,
        prop_oneof![6 => Just(3599u64), 2 => Just(1800u64), 1 => Just(900u64)],
        any::<u8>(),
        prop_oneof![4 => Just(0u64), 2 => Just(100u64), 1 => Just(2000u64)],
    );
    world
        .prop_flat_map(move |(instances, accounts, ttl, rotation_roll, latency)| {
            let ttl = Duration::from_secs(ttl);
            // Rotation is how two instances race to death: common with two.
            let rotation_grace = (rotation_roll < if instances > 1 { 110 } else { 40 })
                .then_some(Duration::from_secs(30));
            let world = World {
                duration: shape.duration,
                instances,
                accounts,
                ttl,
            };
            let background = prop::collection::vec(
                background_traffic(&world),
                1..=instances as usize * accounts,
            );
            let steps = prop::collection::vec(timed_step(&world, shape.focus), 0..=shape.max_steps);
            (background, steps).prop_map(move |(mut background, steps)| {
                let extra = super::follow_ups::follow_ups(
                    &steps,
                    world.duration,
                    world.instances,
                    world.accounts,
                );
                background.extend(steps);
                background.extend(extra);
                // In time order, so a written file reads as a story.
                background.sort_by_key(|step| step.at);
                Schedule {
                    seed,
                    duration: world.duration,
                    instances,
                    accounts,
                    token_ttl: ttl,
                    rotation_grace,
                    token_latency: Duration::from_millis(latency),
                    steps: background,
                }
            })
        })
        .boxed()
}

/// What a step's strategy needs to know about its case.
#[derive(Debug, Clone, Copy)]
struct World {
    duration: Duration,
    instances: u32,
    accounts: usize,
    ttl: Duration,
}

/// Steady callers on one instance and account: the data most checkers read.
fn background_traffic(world: &World) -> impl Strategy<Value = TimedStep> + use<> {
    let world = *world;
    (
        0..world.accounts,
        0..world.instances,
        prop_oneof![Just(60u64), Just(180), Just(300), Just(600)],
        1u32..=4,
        0u64..30,
    )
        .prop_map(
            move |(account, instance, every, callers, start)| TimedStep {
                at: Duration::from_secs(start),
                every: Some(Duration::from_secs(every)),
                until: None,
                step: StepKind::TokenRequests {
                    account,
                    callers,
                    spread: Duration::from_secs(5),
                    instance,
                },
            },
        )
}

/// A time in the run, most often within the last minutes of some token's
/// life (where refreshes happen), else anywhere.
fn step_time(world: &World) -> BoxedStrategy<Duration> {
    let duration = world.duration;
    let ttl = world.ttl.as_secs().max(60);
    let lives = (duration.as_secs() / ttl).max(1);
    let near_refresh = (1..=lives, 0u64..480).prop_map(move |(life, before)| {
        Duration::from_secs((life * ttl).saturating_sub(before)).min(duration)
    });
    let anywhere = (0..duration.as_secs()).prop_map(Duration::from_secs);
    prop_oneof![3 => near_refresh, 2 => anywhere].boxed()
}

fn timed_step(world: &World, focus: Focus) -> impl Strategy<Value = TimedStep> + use<> {
    let world = *world;
    (step_time(&world), step_kind(&world, focus)).prop_map(move |(at, step)| {
        let is_fault = matches!(
            step,
            StepKind::TokenFault { .. }
                | StepKind::GmailFault { .. }
                | StepKind::StoreOutage { .. }
                | StepKind::StoreReadOnly { .. }
        );
        // Faults start early enough to be over by the settling time.
        let latest = world
            .duration
            .saturating_sub(SETTLE + Duration::from_secs(1));
        let at = if is_fault { at.min(latest) } else { at };
        TimedStep {
            at,
            every: None,
            until: None,
            step: anchor(step, at, world.duration),
        }
    })
}

/// How long before the end of a run every fault is over. The run ends
/// with a final sync judged as "every fault unmounted"; a fault mounted to
/// the last instant leaves that sync to the broker's backoff (up to a
/// minute, or a Retry-After of up to two), which says `transient`, rightly
/// (scenarios/regressions/fault-until-the-end-leaves-the-final-sync-to-backoff.toml).
pub(super) const SETTLE: Duration = Duration::from_secs(10 * 60);

/// Fault lengths come relative to the step; make `until` absolute, and
/// over by [`SETTLE`] before the end.
fn anchor(step: StepKind, at: Duration, end: Duration) -> StepKind {
    let end = end.saturating_sub(SETTLE).max(at + Duration::from_secs(1));
    match step {
        StepKind::TokenFault {
            account,
            fault,
            times,
            until,
        } => StepKind::TokenFault {
            account,
            fault,
            times,
            until: (at + until).min(end),
        },
        StepKind::GmailFault {
            endpoint,
            kind,
            times,
            until,
        } => StepKind::GmailFault {
            endpoint,
            kind,
            times,
            until: (at + until).min(end),
        },
        StepKind::StoreOutage { instance, length } => StepKind::StoreOutage {
            instance,
            length: length.min(end.saturating_sub(at)),
        },
        StepKind::StoreReadOnly { instance, length } => StepKind::StoreReadOnly {
            instance,
            length: length.min(end.saturating_sub(at)),
        },
        other => other,
    }
}

fn weights(focus: Focus) -> [u32; 12] {
    // herd, token fault, clock, pause, restart, status, store, lifecycle
    // (revoke/password/evict), 401 (invalidate + profile), mail traffic,
    // mailbox changes, mail faults.
    match focus {
        // Retry discipline is the Gmail lanes' too: some mail faults
        // (their follow-ups bring the traffic).
        Focus::Tokens => [6, 6, 2, 2, 1, 1, 1, 1, 1, 1, 0, 2],
        Focus::Lifecycle => [4, 2, 1, 1, 1, 1, 1, 4, 4, 1, 0, 0],
        Focus::Restarts => [4, 3, 1, 1, 5, 1, 4, 1, 1, 1, 0, 0],
        Focus::Mail => [2, 1, 0, 0, 2, 0, 1, 1, 1, 6, 4, 4],
        Focus::Everything => [4, 4, 1, 1, 2, 1, 2, 2, 2, 3, 2, 2],
    }
}

fn step_kind(world: &World, focus: Focus) -> BoxedStrategy<StepKind> {
    let world = *world;
    let account = 0..world.accounts;
    let instance = 0..world.instances;
    let clock = prop_oneof![
        Just(ClockTarget::Provider),
        Just(ClockTarget::All),
        (0..world.instances).prop_map(ClockTarget::Broker),
    ];
    let herd = (account.clone(), 1u32..=50, 0u64..3000, instance.clone()).prop_map(
        |(account, callers, spread, instance)| StepKind::TokenRequests {
            account,
            callers,
            spread: Duration::from_millis(spread),
            instance,
        },
    );
    let token_fault = (
        prop::option::weighted(0.3, account.clone()),
        token_fault(),
        prop::option::weighted(0.3, 1u64..=5),
        fault_length(world.ttl),
    )
        .prop_map(|(account, fault, times, until)| StepKind::TokenFault {
            account,
            fault,
            times,
            until,
        });
    let clocks = prop_oneof![
        (clock.clone(), 1u64..=900, any::<bool>()).prop_map(|(of, by, ahead)| StepKind::Skew {
            of,
            by: Duration::from_secs(by),
            ahead
        }),
        (clock, 1u64..=7200, any::<bool>()).prop_map(|(of, by, forward)| StepKind::Jump {
            of,
            by: Duration::from_secs(by),
            forward
        }),
    ];
    let pause = (instance.clone(), 1u64..=3600).prop_map(|(instance, length)| StepKind::Pause {
        instance,
        length: Duration::from_secs(length),
    });
    let restart = instance.clone().prop_map(StepKind::Restart);
    let status = Just(StepKind::StatusPoll);
    let store = prop_oneof![
        (instance.clone(), 1u64..=1800).prop_map(|(instance, length)| StepKind::StoreOutage {
            instance,
            length: Duration::from_secs(length)
        }),
        (instance.clone(), 1u64..=1800).prop_map(|(instance, length)| StepKind::StoreReadOnly {
            instance,
            length: Duration::from_secs(length)
        }),
        (instance.clone(), 0u64..=3)
            .prop_map(|(instance, writes)| StepKind::StoreFailAfter { instance, writes }),
    ];
    let lifecycle = prop_oneof![
        3 => account.clone().prop_map(StepKind::Revoke),
        2 => account.clone().prop_map(StepKind::ChangePassword),
        1 => (account.clone(), 1u32..=3).prop_map(|(account, grants)| StepKind::EvictByLimit {
            account,
            grants: grants + 100
        }),
        // Re-consent (after a revocation it is how a user recovers) and
        // forged callbacks against it.
        2 => (account.clone(), instance.clone())
            .prop_map(|(account, instance)| StepKind::Authorize { account, instance }),
        1 => (
            prop_oneof![
                Just(crate::scenario::ForgeKind::WrongState),
                Just(crate::scenario::ForgeKind::Replayed),
                Just(crate::scenario::ForgeKind::ForeignCode),
            ],
            account.clone(),
            instance.clone()
        )
            .prop_map(|(kind, account, instance)| StepKind::ForgeCallback { kind, account, instance }),
    ];
    let unauthorized = prop_oneof![
        account.clone().prop_map(StepKind::InvalidateAccessTokens),
        (account.clone(), instance.clone())
            .prop_map(|(account, instance)| StepKind::GmailProfile { account, instance }),
    ];
    let mail = prop_oneof![
        3 => (account.clone(), instance.clone())
            .prop_map(|(account, instance)| StepKind::Sync { account, instance }),
        2 => (account.clone(), 1u32..=3, instance.clone())
            .prop_map(|(account, count, instance)| StepKind::Send { account, count, instance }),
        1 => (account.clone(), 1u32..=8, instance.clone()).prop_map(|(account, at_point, instance)| {
            StepKind::CrashSync { account, at_point, instance }
        }),
    ];
    let mailbox = prop_oneof![
        (account.clone(), 1u32..=5)
            .prop_map(|(account, count)| StepKind::MailboxAdd { account, count }),
        (account.clone(), 1u32..=3)
            .prop_map(|(account, count)| StepKind::MailboxDelete { account, count }),
        (account.clone(), 1u32..=3)
            .prop_map(|(account, count)| StepKind::MailboxArchive { account, count }),
        account.prop_map(StepKind::ExpireHistory),
    ];
    let mail_faults = prop_oneof![
        3 => (gmail_target(), gmail_fault_kind(), prop::option::weighted(0.5, 1u64..=3), 1u64..=900)
            .prop_map(|(endpoint, kind, times, length)| StepKind::GmailFault {
                endpoint,
                kind,
                times,
                until: Duration::from_secs(length),
            }),
        1 => (instance, 1u32..=3)
            .prop_map(|(instance, failures)| StepKind::MailStoreFault { instance, failures }),
    ];
    let families: [BoxedStrategy<StepKind>; 12] = [
        herd.boxed(),
        token_fault.boxed(),
        clocks.boxed(),
        pause.boxed(),
        restart.boxed(),
        status.boxed(),
        store.boxed(),
        lifecycle.boxed(),
        unauthorized.boxed(),
        mail.boxed(),
        mailbox.boxed(),
        mail_faults.boxed(),
    ];
    let weighted: Vec<(u32, BoxedStrategy<StepKind>)> = weights(focus)
        .into_iter()
        .zip(families)
        .filter(|(weight, _)| *weight > 0)
        .collect();
    Union::new_weighted(weighted).boxed()
}
