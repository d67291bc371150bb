use super::logs::LogCapture;
use super::play::play;
use super::world::{World, build_world};
use super::{RunOutcome, RunRecord, Verdict};
use crate::broker::{BrokerFailure, FailureKind, RunShared};
use crate::checkers::{ALWAYS_ON, InvariantResult, Judgement, Violation, checkers_for, judge};
use crate::choice::BrokerChoice;
use crate::errors::RunError;
use crate::scenario::{Mode, Scenario};
use crate::sim::SimTime;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Simulated runs start at 2026-01-01T00:00:00Z.
const SIM_EPOCH_SECS: u64 = 1_767_225_600;

/// Runs `scenario` against `broker`; `seed` overrides the file's seed.
///
/// Sim mode runs on a fresh current-thread runtime with paused time, so a
/// simulated day takes milliseconds and the same seed gives the same
/// journal. Real mode runs on wall time with the mock provider on
/// 127.0.0.1 (the `real` runner: see `docs/ARCHITECTURE.md`).
pub fn run_scenario(
    path: &Path,
    scenario: &Scenario,
    broker: &BrokerChoice,
    seed: Option<u64>,
) -> Result<(RunOutcome, RunRecord), RunError> {
    let seed = seed.unwrap_or(scenario.seed);
    let started = Instant::now();
    let skip = |note: String| {
        let outcome = outcome(
            path,
            scenario,
            broker,
            seed,
            &RunRecord::default(),
            Vec::new(),
        );
        Ok((
            RunOutcome {
                verdict: Verdict::NotApplicable,
                note: Some(note),
                checked: Vec::new(),
                wall_time: started.elapsed(),
                ..outcome
            },
            RunRecord::default(),
        ))
    };
    let mode = mode_for(scenario, broker);
    if !broker.factory().in_process()
        && let Some(missing) = super::requirements::missing_for_process(scenario)
    {
        if !super::requirements::required_by_ci() {
            return skip(missing);
        }
        return Ok(unmet_under_ci(
            path, scenario, broker, seed, missing, started,
        ));
    }
    let runtime = match mode {
        Mode::Sim => tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build(),
        Mode::Real => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
    }
    .map_err(RunError::Runtime)?;
    let logs = LogCapture::default();
    let played = tracing::subscriber::with_default(logs.subscriber(), || {
        runtime.block_on(async {
            // `store = "postgres"` / `"sqlite"`: one store for the run's fleet.
            let shared = RunShared::default();
            let run_store = match super::run_store::provision_for(
                scenario,
                mode,
                !broker.factory().in_process(),
                seed,
                &shared,
            )
            .await
            {
                Ok(run_store) => run_store,
                Err(unmet) => return Err(Stopped::Unmet(unmet)),
            };
            let store_spec = run_store.as_ref().map(|store| store.spec.clone());
            let (world, built) = build_world(
                scenario,
                mode,
                broker,
                seed,
                timeline(mode),
                shared,
                store_spec,
            )
            .await;
            let played = play_built(&world, built, scenario, seed).await;
            if let Some(run_store) = run_store {
                run_store.cleanup().await;
            }
            played
        })
    });
    drop(runtime);
    let mut record = match played {
        Ok(record) => record,
        Err(Stopped::Unmet(unmet)) if !super::requirements::required_by_ci() => {
            return skip(unmet);
        }
        Err(Stopped::Unmet(unmet)) => {
            return Ok(unmet_under_ci(path, scenario, broker, seed, unmet, started));
        }
        // A broker that declines the scenario's setup (e.g. a store kind it
        // does not support) cannot run it: not applicable, never passed.
        Err(Stopped::BrokerFailed(failure)) if failure.kind == FailureKind::Unsupported => {
            return skip(format!(
                "the broker cannot run this scenario: {}",
                failure.message
            ));
        }
        Err(Stopped::BrokerFailed(failure)) => {
            let violation = Violation {
                invariant: "broker_responsive",
                message: format!("the broker could not be started: {failure}"),
                entries: Vec::new(),
            };
            return Ok(failed_before_play(
                path, scenario, broker, seed, violation, started,
            ));
        }
    };
    let mut log = logs.take();
    log.extend_from_slice(&record.broker_log);
    record.broker_log = log;
    let judged: Vec<InvariantResult> = checkers_for(&scenario.invariants)
        .iter()
        .map(|checker| InvariantResult {
            invariant: checker.name(),
            named: !ALWAYS_ON.contains(&checker.name()),
            judgement: judge(checker.as_ref(), &record),
        })
        .collect();
    let mut result = outcome(path, scenario, broker, seed, &record, judged);
    result.wall_time = started.elapsed();
    Ok((result, record))
}

/// The run's timeline, started now: after the run's store is provisioned.
///
/// On wall time the epoch is read together with the timeline's start,
/// because broker processes read the true wall clock (plus what the
/// timeline skips) and the mock reads `epoch + elapsed`. An epoch read
/// before provisioning put the mock behind every process by however long
/// PostgreSQL took to start (1.3 s under load): each broker then took its
/// provider to be about two seconds behind (`Date` is truncated to the
/// second), moved the grants it stored two seconds earlier, and with 2 s
/// tokens the fleet found every adopted token due and refreshed again.
fn timeline(mode: Mode) -> SimTime {
    match mode {
        Mode::Sim => SimTime::new(UNIX_EPOCH + Duration::from_secs(SIM_EPOCH_SECS)),
        Mode::Real => SimTime::new(SystemTime::now()),
    }
}

/// The time a run goes on: in process, the scenario's (paused `sim`, or
/// wall-clock `real` where it needs real IO); against processes always the
/// process timeline (wall speed, quiet stretches skipped: `skip.rs`).
pub fn mode_for(scenario: &Scenario, broker: &BrokerChoice) -> Mode {
    if broker.factory().in_process() {
        scenario.mode
    } else {
        Mode::Real
    }
}

/// Why a run stopped before its timeline.
enum Stopped {
    /// The machine lacks something the scenario needs (not applicable, or
    /// a failure under `CI=true`).
    Unmet(String),
    /// The broker could not be started.
    BrokerFailed(BrokerFailure),
}

/// Plays a built world, or says why it cannot be played.
async fn play_built(
    world: &World,
    built: Result<(), BrokerFailure>,
    scenario: &Scenario,
    seed: u64,
) -> Result<RunRecord, Stopped> {
    let shutdown = || async {
        for instance in &world.instances {
            instance.broker.shutdown().await;
        }
    };
    if let Err(failure) = built {
        shutdown().await;
        return Err(Stopped::BrokerFailed(failure));
    }
    Ok(play(world, scenario, seed).await)
}

/// Under `CI=true` a missing requirement fails the scenario instead of
/// skipping it (shared/DESIGN.md §8).
fn unmet_under_ci(
    path: &Path,
    scenario: &Scenario,
    broker: &BrokerChoice,
    seed: u64,
    missing: String,
    started: Instant,
) -> (RunOutcome, RunRecord) {
    let violation = Violation {
        invariant: "environment",
        message: format!("CI=true and this machine cannot run the scenario: {missing}"),
        entries: Vec::new(),
    };
    failed_before_play(path, scenario, broker, seed, violation, started)
}

/// A run that failed with `violation` before its timeline was played.
fn failed_before_play(
    path: &Path,
    scenario: &Scenario,
    broker: &BrokerChoice,
    seed: u64,
    violation: Violation,
    started: Instant,
) -> (RunOutcome, RunRecord) {
    let failed = outcome(
        path,
        scenario,
        broker,
        seed,
        &RunRecord::default(),
        vec![InvariantResult {
            invariant: violation.invariant,
            named: false,
            judgement: Judgement::from_violations(vec![violation]),
        }],
    );
    (
        RunOutcome {
            wall_time: started.elapsed(),
            ..failed
        },
        RunRecord::default(),
    )
}

/// The outcome of `judged`: failed if any invariant failed, unknown if
/// one the scenario names could not be judged, else passed.
fn outcome(
    path: &Path,
    scenario: &Scenario,
    broker: &BrokerChoice,
    seed: u64,
    record: &RunRecord,
    judged: Vec<InvariantResult>,
) -> RunOutcome {
    let violations: Vec<Violation> = judged
        .iter()
        .flat_map(|r| r.judgement.violations().iter().cloned())
        .collect();
    let verdict = if !violations.is_empty() {
        Verdict::Failed
    } else if judged.iter().any(|r| r.named && r.judgement.is_unknown()) {
        Verdict::Unknown
    } else {
        Verdict::Passed
    };
    RunOutcome {
        scenario: scenario.name.clone(),
        path: path.to_path_buf(),
        broker: broker.name(),
        relay: broker.relay().map(str::to_owned),
        mode: mode_for(scenario, broker).as_str(),
        seed,
        verdict,
        violations,
        checked: judged.iter().map(|r| r.invariant).collect(),
        invariants: judged,
        calls_by_result: record.calls_by_result(),
        skipped_steps: record.skipped_steps.clone(),
        requests: record.journal.len(),
        calls: record.history.served().count(),
        journal_hash: record.journal_hash.clone(),
        wall_time: Duration::ZERO,
        simulated: scenario.duration,
        note: None,
        fleet: fleet(scenario, broker),
    }
}

/// What a run of several instances was: one store for the fleet, or one
/// each (`None` for a single instance).
fn fleet(scenario: &Scenario, broker: &BrokerChoice) -> Option<String> {
    let instances = scenario.broker.instances;
    if instances < 2 {
        return None;
    }
    let kind = if broker.factory().in_process() {
        "in-process instances"
    } else {
        "processes"
    };
    let store = scenario.broker.store.as_str();
    Some(match store {
        "memory" => format!(
            "{instances} {kind}, a `memory` store each, and a grant each: single flight is judged per instance"
        ),
        "shared-memory" if !broker.factory().in_process() => {
            format!(
                "{instances} {kind} sharing one `file:` store (the harness's temp directory): single flight is judged per fleet"
            )
        }
        "shared-memory" => format!(
            "{instances} {kind} sharing one memory store: single flight is judged per fleet"
        ),
        store => format!(
            "{instances} {kind} sharing one `{store}` store: single flight is judged per fleet"
        ),
    })
}
