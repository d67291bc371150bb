//! One case: generate a schedule from its seed, render it as a scenario
//! file, parse that text back and run it like `oauth-chaos run` would.

use super::errors::ExploreError;
use super::expectations::InvariantPlan;
use super::scenario_text::render_scenario;
use super::schedule::Schedule;
use super::strategy::{ScheduleShape, schedule_strategy};
use crate::choice::BrokerChoice;
use crate::run::{RunOutcome, RunRecord, run_scenario};
use crate::scenario::parse_scenario;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::path::Path;

/// The seed of case `index` of an exploration seeded `master`
/// (SplitMix64, so neighbouring cases share nothing), kept within 63 bits
/// because TOML integers are signed 64-bit.
///
/// ```
/// assert_ne!(harness::explore::case_seed(1, 0), harness::explore::case_seed(1, 1));
/// ```
pub fn case_seed(master: u64, index: u64) -> u64 {
    let mut z = master.wrapping_add((index + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) & (u64::MAX >> 1)
}

/// The schedule of `seed`: the same seed always gives the same schedule.
///
/// ```
/// use harness::explore::{generate, ScheduleShape};
/// let shape = ScheduleShape::default();
/// assert_eq!(generate(&shape, 9), generate(&shape, 9));
/// ```
pub fn generate(shape: &ScheduleShape, seed: u64) -> Schedule {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(&(!seed).to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    match schedule_strategy(shape, seed).new_tree(&mut runner) {
        Ok(tree) => tree.current(),
        // Our strategies never reject; an empty schedule still runs.
        Err(_) => Schedule {
            seed,
            duration: shape.duration,
            instances: 1,
            accounts: 1,
            token_ttl: std::time::Duration::from_secs(3599),
            rotation_grace: None,
            token_latency: std::time::Duration::ZERO,
            steps: Vec::new(),
        },
    }
}

/// A case that was played.
#[derive(Debug)]
pub struct PlayedCase {
    /// Its schedule.
    pub schedule: Schedule,
    /// The invariants it judged.
    pub plan: InvariantPlan,
    /// The scenario file it was played from.
    pub text: String,
    /// The verdict.
    pub outcome: RunOutcome,
    /// What the run recorded.
    pub record: RunRecord,
}

impl PlayedCase {
    /// The invariants it violated, in check order, without repeats.
    pub fn violated(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Vec::new();
        for violation in &self.outcome.violations {
            if !names.contains(&violation.invariant) {
                names.push(violation.invariant);
            }
        }
        names
    }
}

/// Plays `schedule` checking `plan` against `broker`, from its rendered text.
pub fn play_case(
    schedule: &Schedule,
    plan: &InvariantPlan,
    broker: &BrokerChoice,
    name: &str,
) -> Result<PlayedCase, ExploreError> {
    let text = render_scenario(schedule, plan, name, &[]);
    let file = format!("{name}.toml");
    let scenario = parse_scenario(&text, &file).map_err(|source| ExploreError::Unparsable {
        seed: schedule.seed,
        source,
    })?;
    let (outcome, record) =
        run_scenario(Path::new(&file), &scenario, broker, None).map_err(|source| {
            ExploreError::Run {
                seed: schedule.seed,
                source,
            }
        })?;
    Ok(PlayedCase {
        schedule: schedule.clone(),
        plan: plan.clone(),
        text,
        outcome,
        record,
    })
}
