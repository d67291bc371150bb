//! The store a run provisions is read raw after every restart and after the
//! run, and the reference broker's sealed stores hold no secret in any
//! encoding, in process and as the `reference-broker` process.

mod support;

use harness::choice::BrokerChoice;
use harness::run::{RunOutcome, RunRecord, Verdict};

const STORE_SCENARIOS: [&str; 2] = [
    "real-tokens-at-rest-sqlite.toml",
    "real-tokens-at-rest-file.toml",
];

fn store_parts(record: &RunRecord) -> Vec<&str> {
    record
        .store_bytes
        .iter()
        .map(|(label, _)| label.as_str())
        .collect()
}

fn assert_sealed_store_passes(file: &str, outcome: &RunOutcome, record: &RunRecord) {
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{file}: {:#?}",
        outcome.violations
    );
    assert!(outcome.checked.contains(&"no_token_leak"), "{file}");
    let parts = store_parts(record);
    assert!(
        parts
            .iter()
            .any(|p| p.ends_with("after restart 1 of instance 0"))
            && parts.iter().any(|p| p.ends_with("after the run")),
        "{file}: read after the restart and after the run: {parts:?}"
    );
    let bytes: usize = record.store_bytes.iter().map(|(_, b)| b.len()).sum();
    assert!(bytes > 0, "{file}: the store holds something: {parts:?}");
    assert!(!record.secrets.is_empty());
}

#[test]
fn the_in_process_reference_seals_its_sqlite_and_file_stores() {
    let reference = BrokerChoice::parse("reference").expect("known broker");
    for file in STORE_SCENARIOS {
        let (outcome, record) = support::run_file(file, &reference);
        assert_sealed_store_passes(file, &outcome, &record);
    }
}

#[test]
fn the_reference_broker_process_seals_its_sqlite_and_file_stores() {
    let reference = support::reference_broker();
    for file in STORE_SCENARIOS {
        let (outcome, record) = support::run_file(file, &reference);
        assert_sealed_store_passes(file, &outcome, &record);
    }
}

#[test]
fn an_sqlite_store_is_read_with_its_write_ahead_log() {
    let reference = BrokerChoice::parse("reference").expect("known broker");
    let (_, record) = support::run_file(STORE_SCENARIOS[0], &reference);
    let parts = store_parts(&record);
    assert!(
        parts.iter().any(|p| p.starts_with("tokens.db "))
            && parts.iter().any(|p| p.starts_with("tokens.db-wal ")),
        "{parts:?}"
    );
}
