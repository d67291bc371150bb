//! Runs many scenarios, up to `jobs` at a time (`oauth-chaos run --jobs`).
//!
//! Each run owns its runtime, mock provider and broker instances, so
//! scenarios are independent: a worker thread per job takes the next
//! scenario off a shared counter, and the caller sees the results in the
//! order of the input (a finished run waits for those before it), so the
//! report reads the same whatever the number of jobs.

use super::{RunOutcome, RunRecord, run_scenario};
use crate::choice::BrokerChoice;
use crate::errors::RunError;
use crate::scenario::{Mode, Scenario};
use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// One run's result, as [`run_scenario`] returns it.
pub type RunResult = Result<(RunOutcome, RunRecord), RunError>;

/// Runs every scenario against `broker` with at most `jobs` at once and
/// hands each result to `done` in input order. `done` returns `false` to
/// stop: no scenario starts after that (those running finish).
///
/// ```no_run
/// use harness::choice::BrokerChoice;
/// use harness::run::run_all;
/// use harness::scenario::load_paths;
/// use std::num::NonZeroUsize;
/// let scenarios = load_paths(&["scenarios".into()]).unwrap();
/// let broker = BrokerChoice::parse("reference").unwrap();
/// let jobs = NonZeroUsize::new(2).unwrap();
/// run_all(&scenarios, &broker, None, jobs, |index, result| {
///     println!("{}: {:?}", scenarios[index].1.name, result.map(|(o, _)| o.verdict));
///     true
/// });
/// ```
pub fn run_all(
    scenarios: &[(PathBuf, Scenario)],
    broker: &BrokerChoice,
    seed: Option<u64>,
    jobs: NonZeroUsize,
    mut done: impl FnMut(usize, RunResult) -> bool,
) {
    let order = dispatch_order(scenarios, broker);
    let next = AtomicUsize::new(0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (results, finished) = mpsc::channel::<(usize, RunResult)>();
    std::thread::scope(|scope| {
        for _ in 0..jobs.get().min(scenarios.len().max(1)) {
            let results = results.clone();
            let (next, stop, order) = (&next, &stop, &order);
            scope.spawn(move || {
                loop {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Some(&index) = order.get(next.fetch_add(1, Ordering::SeqCst)) else {
                        return;
                    };
                    let (path, scenario) = &scenarios[index];
                    let result = run_scenario(path, scenario, broker, seed);
                    if results.send((index, result)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(results);
        let mut waiting = BTreeMap::new();
        let mut due = 0;
        for (index, result) in finished {
            waiting.insert(index, result);
            while let Some(result) = waiting.remove(&due) {
                if !stop.load(Ordering::SeqCst) && !done(due, result) {
                    stop.store(true, Ordering::SeqCst);
                }
                due += 1;
            }
        }
    });
}

/// The order runs start in: scenarios on wall time first (in process they
/// mostly sleep through their seconds; started last they would end the
/// job alone), then the rest, each group in file order.
fn dispatch_order(scenarios: &[(PathBuf, Scenario)], broker: &BrokerChoice) -> Vec<usize> {
    let wall = |index: &usize| super::mode_for(&scenarios[*index].1, broker) == Mode::Real;
    let (mut order, rest): (Vec<usize>, Vec<usize>) = (0..scenarios.len()).partition(wall);
    order.extend(rest);
    order
}

/// `--jobs` when not given: twice the cores for an in-process broker (its
/// wall-clock scenarios sleep, its paused-time ones are CPU-bound), one
/// for processes (each run has broker processes of its own).
pub fn default_jobs(broker: &BrokerChoice) -> NonZeroUsize {
    if !broker.factory().in_process() {
        return NonZeroUsize::MIN;
    }
    std::thread::available_parallelism()
        .ok()
        .and_then(|cores| cores.checked_mul(NonZeroUsize::new(2)?))
        .unwrap_or(NonZeroUsize::MIN)
}
