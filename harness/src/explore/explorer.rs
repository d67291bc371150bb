//! The exploration loop: cases from a master seed, each judged by every
//! invariant its schedule makes applicable; the first failure of each
//! invariant is shrunk and written out as a scenario file.

use super::case::{PlayedCase, case_seed, generate, play_case};
use super::errors::ExploreError;
use super::expectations::InvariantPlan;
use super::scenario_text::render_scenario;
use super::shrink::shrink;
use super::strategy::ScheduleShape;
use super::witness::witness;
use crate::choice::BrokerChoice;
use crate::run::Verdict;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What to explore.
#[derive(Debug, Clone)]
pub struct ExploreOptions {
    /// Cases to run.
    pub cases: u64,
    /// The master seed; case `i` has seed `case_seed(seed, i)`.
    pub seed: u64,
    /// What schedules look like.
    pub shape: ScheduleShape,
    /// Only failures of this invariant count (and the shape's focus follows it).
    pub invariant: Option<String>,
    /// Run every case twice and compare journal hashes (madsim's check).
    pub determinism: bool,
    /// Where shrunk files go (none: not written).
    pub out: Option<PathBuf>,
    /// Replays the shrinker may spend on one failure.
    pub shrink_budget: usize,
    /// Worker threads for cases (each case is single-threaded sim).
    pub threads: usize,
    /// Stop after this many failing cases (0: run them all).
    pub stop_after: usize,
}

impl Default for ExploreOptions {
    fn default() -> Self {
        Self {
            cases: 100,
            seed: 0,
            shape: ScheduleShape::default(),
            invariant: None,
            determinism: false,
            out: None,
            shrink_budget: 400,
            threads: 2,
            stop_after: 0,
        }
    }
}

/// The default size of an exploration for a broker. In-process cases play
/// in paused time (milliseconds each); a process broker's play on the
/// process timeline at wall speed with quiet stretches skipped (about a
/// second per simulated hour), so it gets fewer, shorter cases and fewer
/// replays per shrink: the same shrinking, a smaller budget.
///
/// ```
/// use harness::choice::BrokerChoice;
/// use harness::explore::Budget;
/// let sim = Budget::for_broker(&BrokerChoice::parse("reference").unwrap());
/// let process = Budget::for_broker(&BrokerChoice::parse("reference-broker").unwrap());
/// assert!(process.cases < sim.cases && process.shrink_budget < sim.shrink_budget);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Cases to run.
    pub cases: u64,
    /// Simulated length of a case.
    pub duration: Duration,
    /// Replays per shrink.
    pub shrink_budget: usize,
}

impl Budget {
    /// The default budget for `broker`.
    pub fn for_broker(broker: &BrokerChoice) -> Self {
        if broker.factory().in_process() {
            Self {
                cases: 100,
                duration: Duration::from_secs(6 * 3600),
                shrink_budget: 400,
            }
        } else {
            Self {
                cases: 20,
                duration: Duration::from_secs(2 * 3600),
                shrink_budget: 40,
            }
        }
    }
}

/// One failure found and shrunk.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The invariant that failed.
    pub invariant: &'static str,
    /// The case's index and seed.
    pub case: u64,
    /// Its seed.
    pub seed: u64,
    /// Steps before and after shrinking.
    pub steps: (usize, usize),
    /// Replays the shrinker ran.
    pub replays: usize,
    /// The shrunk scenario file's text.
    pub text: String,
    /// Where it was written, if it was.
    pub file: Option<PathBuf>,
    /// The witness lines.
    pub witness: Vec<String>,
}

/// What an exploration found.
#[derive(Debug, Clone, Default)]
pub struct ExploreReport {
    /// Cases run.
    pub cases: u64,
    /// Cases with a violation (of the `--invariant`, if given).
    pub failed: u64,
    /// Cases none violated but some named invariant was unknown.
    pub unknown: u64,
    /// Cases the broker could not run at all on this machine (e.g. a
    /// process broker without libfaketime): not applicable, never passed.
    pub not_applicable: u64,
    /// Why the first of them could not run.
    pub not_applicable_why: Option<String>,
    /// Cases with at least one moot invariant (judged by its expectation).
    pub moot: u64,
    /// Invariant → failing cases.
    pub failures_by_invariant: Vec<(&'static str, u64)>,
    /// Shrunk failures, one per invariant.
    pub findings: Vec<Finding>,
    /// Seeds whose two runs journaled differently (determinism mode).
    pub nondeterministic: Vec<u64>,
    /// Wall time of the cases (not the shrinking).
    pub case_time: Duration,
    /// Wall time of the shrinking.
    pub shrink_time: Duration,
}

/// The verdict of one case, for the report.
struct CaseVerdict {
    index: u64,
    violated: Vec<&'static str>,
    unknown: bool,
    not_applicable: Option<String>,
    moot: bool,
    hashes_differ: bool,
    case: Option<PlayedCase>,
}

/// Runs the exploration; `progress` is told after each case.
///
/// ```
/// use harness::choice::BrokerChoice;
/// use harness::explore::{ExploreOptions, ScheduleShape, explore};
/// let options = ExploreOptions {
///     cases: 2,
///     shape: ScheduleShape { duration: std::time::Duration::from_secs(1800), ..ScheduleShape::default() },
///     ..ExploreOptions::default()
/// };
/// let report = explore(&options, &BrokerChoice::parse("reference").unwrap(), &|_| {}).unwrap();
/// assert_eq!(report.cases, 2);
/// ```
pub fn explore(
    options: &ExploreOptions,
    broker: &BrokerChoice,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ExploreReport, ExploreError> {
    if options.determinism && !broker.factory().in_process() {
        return Err(ExploreError::DeterminismNeedsSim {
            broker: broker.name(),
        });
    }
    let started = Instant::now();
    let mut shape = options.shape.clone();
    if let Some(invariant) = &options.invariant {
        shape.focus = super::strategy::Focus::for_invariant(invariant);
    }
    let next = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    let threads = options.threads.max(1);
    let results: Vec<Result<Vec<CaseVerdict>, ExploreError>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut verdicts = Vec::new();
                    loop {
                        if options.stop_after > 0
                            && failed.load(Ordering::Relaxed) >= options.stop_after
                        {
                            break;
                        }
                        let index = next.fetch_add(1, Ordering::Relaxed) as u64;
                        if index >= options.cases {
                            break;
                        }
                        let verdict = run_one(options, &shape, broker, index)?;
                        if !verdict.violated.is_empty() || verdict.hashes_differ {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                        verdicts.push(verdict);
                        progress(index);
                    }
                    Ok(verdicts)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|_| Ok(Vec::new())))
            .collect()
    });
    let mut verdicts = Vec::new();
    for result in results {
        verdicts.extend(result?);
    }
    verdicts.sort_by_key(|v| v.index);
    let mut report = ExploreReport {
        cases: verdicts.len() as u64,
        case_time: started.elapsed(),
        ..ExploreReport::default()
    };
    let shrink_started = Instant::now();
    for verdict in verdicts {
        report.unknown += u64::from(verdict.unknown && verdict.violated.is_empty());
        if let Some(why) = verdict.not_applicable {
            report.not_applicable += 1;
            report.not_applicable_why.get_or_insert(why);
        }
        report.moot += u64::from(verdict.moot);
        if verdict.hashes_differ {
            report
                .nondeterministic
                .push(case_seed(options.seed, verdict.index));
        }
        if verdict.violated.is_empty() {
            continue;
        }
        report.failed += 1;
        for invariant in &verdict.violated {
            match report
                .failures_by_invariant
                .iter_mut()
                .find(|(name, _)| name == invariant)
            {
                Some((_, count)) => *count += 1,
                None => report.failures_by_invariant.push((invariant, 1)),
            }
        }
        let Some(case) = verdict.case else { continue };
        for invariant in verdict.violated {
            if report.findings.iter().any(|f| f.invariant == invariant) {
                continue;
            }
            let finding = shrink_and_write(options, broker, &case, verdict.index, invariant)?;
            report.findings.push(finding);
        }
    }
    report.shrink_time = shrink_started.elapsed();
    Ok(report)
}

fn run_one(
    options: &ExploreOptions,
    shape: &ScheduleShape,
    broker: &BrokerChoice,
    index: u64,
) -> Result<CaseVerdict, ExploreError> {
    let seed = case_seed(options.seed, index);
    let schedule = generate(shape, seed);
    let plan = InvariantPlan::for_schedule(&schedule);
    let name = format!("explore-case-{seed}");
    let case = play_case(&schedule, &plan, broker, &name)?;
    let hashes_differ = options.determinism && {
        let again = play_case(&schedule, &plan, broker, &name)?;
        again.outcome.journal_hash != case.outcome.journal_hash
    };
    let violated: Vec<&'static str> = case
        .violated()
        .into_iter()
        .filter(|v| options.invariant.as_deref().is_none_or(|only| only == *v))
        .collect();
    Ok(CaseVerdict {
        index,
        unknown: case.outcome.verdict == Verdict::Unknown,
        not_applicable: (case.outcome.verdict == Verdict::NotApplicable).then(|| {
            case.outcome
                .note
                .clone()
                .unwrap_or_else(|| "no reason given".to_owned())
        }),
        moot: plan.moot_count() > 0,
        hashes_differ,
        case: (!violated.is_empty()).then_some(case),
        violated,
    })
}

fn shrink_and_write(
    options: &ExploreOptions,
    broker: &BrokerChoice,
    case: &PlayedCase,
    index: u64,
    invariant: &'static str,
) -> Result<Finding, ExploreError> {
    let shrunk = shrink(case, invariant, broker, options.shrink_budget)?;
    let lines = witness(&shrunk.case, invariant);
    let seed = shrunk.case.schedule.seed;
    let name = format!("explore-{}-{seed}", invariant.replace('_', "-"));
    let file_name = format!("{name}.toml");
    let mut header = vec![
        format!(
            "Found by `oauth-chaos explore --seed {} --cases {}` (case {index}) against `{}`:",
            options.seed,
            index + 1,
            broker.name()
        ),
        format!(
            "`{invariant}` fails. Shrunk strictly from {} steps to {} in {} replays",
            shrunk.original_steps,
            shrunk.case.schedule.steps.len(),
            shrunk.replays
        ),
        "(each replayed from this seed and kept only while the same invariant failed).".to_owned(),
        String::new(),
        "Witness (the smallest anomaly):".to_owned(),
    ];
    header.extend(lines.iter().map(|line| format!("  {line}")));
    header.push(String::new());
    header.push(format!(
        "Replay: oauth-chaos run {file_name} --broker {}",
        broker.name()
    ));
    let text = render_scenario(&shrunk.case.schedule, &shrunk.case.plan, &name, &header);
    let file = match &options.out {
        Some(dir) => {
            let path = dir.join(&file_name);
            std::fs::create_dir_all(dir)
                .and_then(|()| std::fs::write(&path, &text))
                .map_err(|source| ExploreError::Write {
                    path: path.clone(),
                    source,
                })?;
            Some(path)
        }
        None => None,
    };
    Ok(Finding {
        invariant,
        case: index,
        seed,
        steps: (shrunk.original_steps, shrunk.case.schedule.steps.len()),
        replays: shrunk.replays,
        text,
        file,
        witness: lines,
    })
}

/// Replays the failing case of a finding's file-to-be once more to confirm
/// it by itself (used by tests and the CLI's summary).
pub fn confirm(text: &str, broker: &BrokerChoice, invariant: &str) -> Result<bool, ExploreError> {
    let scenario = crate::scenario::parse_scenario(text, "confirm.toml")
        .map_err(|source| ExploreError::Unparsable { seed: 0, source })?;
    let (outcome, _) = crate::run::run_scenario(
        std::path::Path::new("confirm.toml"),
        &scenario,
        broker,
        None,
    )
    .map_err(|source| ExploreError::Run {
        seed: scenario.seed,
        source,
    })?;
    Ok(outcome.violated(invariant))
}
