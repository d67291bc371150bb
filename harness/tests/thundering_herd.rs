//! The walking skeleton's end-to-end proof: the thundering-herd scenario
//! against the reference broker and against the no-single-flight mutant.

use harness::choice::BrokerChoice;
use harness::run::{Verdict, run_scenario};
use harness::scenario::load_file;
use std::path::PathBuf;

fn scenario_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/thundering-herd.toml")
}

fn run(broker: &str, seed: Option<u64>) -> (harness::run::RunOutcome, harness::run::RunRecord) {
    let path = scenario_path();
    let scenario = load_file(&path).expect("the scenario file loads");
    let broker = BrokerChoice::parse(broker).expect("known broker");
    run_scenario(&path, &scenario, &broker, seed).expect("the run completes")
}

#[test]
fn thundering_herd_passes_against_the_reference_broker() {
    let (outcome, record) = run("reference", None);
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
    assert_eq!(
        outcome.checked,
        vec![
            "broker_responsive",
            "availability",
            "single_flight_refresh",
            "proactive_refresh"
        ]
    );
    // 500 cold-start callers plus 500 around each of three expiries.
    assert_eq!(record.history.served().count(), 2000);
    assert!(record.history.served().all(|s| s.result.is_ok()));
    let refreshes = record.journal.iter().filter(|e| e.is_refresh()).count();
    assert_eq!(refreshes, 4, "one refresh at cold start and one per expiry");
}

#[test]
fn no_single_flight_mutant_fails_single_flight_refresh_naming_the_overlapping_entries() {
    let (outcome, record) = run("mutant:no-single-flight", None);
    assert_eq!(outcome.verdict, Verdict::Failed);
    assert!(outcome.violated("single_flight_refresh"));
    assert!(
        !outcome.violated("proactive_refresh"),
        "the mutant breaks only single flight: {:#?}",
        outcome.violations
    );
    let overlap = outcome
        .violations
        .iter()
        .find(|v| v.message.contains("still in flight"))
        .expect("an overlap violation");
    assert_eq!(overlap.entries.len(), 2);
    for seq in &overlap.entries {
        let entry = &record.journal[*seq as usize];
        assert!(
            entry.is_refresh(),
            "violation names refresh entries, got {entry}"
        );
    }
    let report = harness::report::render_outcome(&outcome, &record);
    assert!(report.contains("single_flight_refresh"), "{report}");
    assert!(
        report.contains(&format!("seed: {}", outcome.seed)),
        "{report}"
    );
    assert!(
        report.contains("replay: oauth-chaos run")
            && report.contains("--broker mutant:no-single-flight"),
        "{report}"
    );
    assert!(
        report.contains(&format!("#{} [", overlap.entries[0])),
        "{report}"
    );
}

#[test]
fn the_same_seed_gives_the_same_journal_hash() {
    let (first, _) = run("reference", Some(99));
    let (second, _) = run("reference", Some(99));
    assert_eq!(first.journal_hash, second.journal_hash);
    let (mutant_a, _) = run("mutant:no-single-flight", Some(5));
    let (mutant_b, _) = run("mutant:no-single-flight", Some(5));
    assert_eq!(mutant_a.journal_hash, mutant_b.journal_hash);
}

#[test]
fn a_different_seed_gives_a_different_journal() {
    let (first, _) = run("reference", Some(1));
    let (second, _) = run("reference", Some(2));
    assert_ne!(first.journal_hash, second.journal_hash);
}
