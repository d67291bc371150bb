//! The process timeline: wall speed while something happens, a jump of
//! every clock across a stretch in which nothing does.
//!
//! A scenario is written in provider time: hours, with tokens that live
//! 3599 s. Against broker processes the harness cannot pause time as it
//! does in process, so it plays the run on the wall clock and skips the
//! quiet stretches: when no harness call is in flight, the mock has no
//! request in flight, no thread of a broker process is running, and that
//! has held for two looks in a row, it moves the
//! timeline (the mock's clock, the harness's, every process's wall clock
//! through libfaketime) forward to the next point anything waits for. A
//! provider delay, a client timeout or a broker's own work therefore runs
//! at wall speed, as in production, and a 3599 s token ages in the few
//! milliseconds of a jump (docs/ARCHITECTURE.md, "The process timeline",
//! has the measurements that chose this over a speed factor).

use super::world::World;
use crate::broker::FailureKind;
use std::time::Duration;

/// How many looks in a row must find the run quiet before a jump: one
/// look can fall between a broker's answer and its next step (a thread
/// that just woke is runnable, but may not have been scheduled yet).
const QUIET_LOOKS: u32 = 2;

/// The pause between two looks while the run has just been busy: a
/// blocking sleep this short keeps a step to a few hundred microseconds of
/// wall time (tokio's timer ticks in milliseconds). After [`BUSY_FOR`] of
/// being busy (a provider delay, a broker's backoff) looks slow down to
/// tokio's timer, so a long busy stretch costs no CPU.
const SHORT_PAUSE: Duration = Duration::from_micros(200);

/// How long the run may stay busy before looks slow down.
const BUSY_FOR: Duration = Duration::from_millis(5);

/// A call in flight whose broker does nothing else (every thread asleep,
/// no request at the mock) for this long is waiting for a time; when every
/// process declared `wall_clock_waits` (it naps at most 100 ms on the wall
/// clock and looks again), the timeline then moves [`WAITING_STEP`].
const WAITING_FOR: Duration = Duration::from_millis(20);

/// How far one step of a waiting call moves the timeline: about ×50 wall
/// speed, and a wait ends at most some 5 s of provider time late.
const WAITING_STEP: Duration = Duration::from_secs(1);

/// Goes to `target` (an offset into the run): at wall speed while the run
/// is busy, jumping quiet stretches when `world.skips` is on. `busy` counts
/// the harness tasks that have not finished (tasks parked on the timeline
/// included: they do not make the run busy).
pub(super) async fn advance_to(world: &World, target: Duration, busy: &mut dyn FnMut() -> usize) {
    if !world.skips {
        return;
    }
    let mut quiet_looks = 0;
    let mut busy_since = tokio::time::Instant::now();
    let mut waiting_since: Option<tokio::time::Instant> = None;
    loop {
        // Lets every ready task run and the IO driver deliver answers.
        tokio::task::yield_now().await;
        let now = world.time.elapsed();
        if now >= target {
            return;
        }
        let (parked, nearest) = world.time.parked();
        let harness_quiet = busy() <= parked;
        let brokers_quiet = world.provider.requests_in_flight() == 0
            && !world
                .processes
                .as_ref()
                .is_some_and(|table| table.any_busy());
        let quiet = harness_quiet && brokers_quiet;
        let waits_on_wall = world
            .processes
            .as_ref()
            .is_some_and(|table| table.all_wait_on_wall_clock());
        if !harness_quiet && brokers_quiet && waits_on_wall {
            let since = *waiting_since.get_or_insert_with(tokio::time::Instant::now);
            if since.elapsed() >= WAITING_FOR {
                let to = nearest
                    .map_or(target, |point| point.min(target))
                    .min(now + WAITING_STEP);
                if to > now {
                    jump(world, to - now);
                }
                waiting_since = None;
                continue;
            }
        } else {
            waiting_since = None;
        }
        if quiet {
            quiet_looks += 1;
            busy_since = tokio::time::Instant::now();
        } else {
            quiet_looks = 0;
        }
        if quiet_looks >= QUIET_LOOKS {
            let to = nearest.map_or(target, |point| point.min(target));
            if to > now {
                jump(world, to - now);
            }
            quiet_looks = 0;
            busy_since = tokio::time::Instant::now();
            if to >= target {
                return;
            }
            continue;
        }
        if quiet || busy_since.elapsed() < BUSY_FOR {
            // The run goes on without the harness for this long: nothing
            // else of the harness waits on this thread meanwhile.
            std::thread::sleep(SHORT_PAUSE);
        } else {
            tokio::time::sleep(Duration::from_millis(1).min(target - now)).await;
        }
    }
}

/// After the run's duration: goes on skipping while harness tasks still
/// wait on the timeline (callers a last step spread past the end), until
/// none does.
pub(super) async fn drain(world: &World, busy: &mut dyn FnMut() -> usize) {
    while world.skips && busy() > 0 {
        let (_, Some(nearest)) = world.time.parked() else {
            return; // the rest wait on the broker, not on the timeline
        };
        let target = nearest.max(world.time.elapsed());
        advance_to(world, target + Duration::from_millis(1), busy).await;
    }
}

/// Moves the timeline forward by `by` and tells every process its new
/// wall clock offset (its skew plus everything skipped).
fn jump(world: &World, by: Duration) {
    world.time.skip(by);
    push_offsets(world);
}

/// Writes every instance's wall clock offset (skew plus skipped) to its
/// process; in-process brokers read their `SimClock` and answer
/// `Unsupported`. Returns the failures, by instance.
pub(super) fn push_offsets(world: &World) -> Vec<String> {
    let skipped = i64::try_from(world.time.skipped().as_millis()).unwrap_or(i64::MAX);
    let mut failures = Vec::new();
    for (index, instance) in world.instances.iter().enumerate() {
        let offset = instance.clock.offset_ms().saturating_add(skipped);
        if let Err(failure) = instance.broker.set_clock_offset(offset)
            && failure.kind != FailureKind::Unsupported
        {
            failures.push(format!("clock of instance {index}: {failure}"));
        }
    }
    failures
}
