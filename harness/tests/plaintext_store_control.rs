//! The plaintext-store control broker (`examples/adapters/python-plaintext-store`):
//! a process the project did not write into the harness, correct but for
//! writing tokens into its store in the clear, fails `no_token_leak` and
//! only that on the store scenarios; the reference broker process passes
//! the same scenarios (`store_at_rest.rs`).

mod support;

use harness::broker::ProcessBroker;
use harness::choice::BrokerChoice;
use harness::run::Verdict;
use std::path::PathBuf;
use std::sync::Arc;

fn plaintext_store() -> BrokerChoice {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/adapters/python-plaintext-store/broker.py");
    BrokerChoice::custom(Arc::new(ProcessBroker::command(format!(
        "python3 '{}'",
        script.display()
    ))))
}

#[test]
fn the_plaintext_store_broker_fails_no_token_leak_and_nothing_else() {
    let broker = plaintext_store();
    for file in [
        "real-tokens-at-rest-sqlite.toml",
        "real-tokens-at-rest-file.toml",
    ] {
        let (outcome, record) = support::run_file(file, &broker);
        assert_eq!(outcome.verdict, Verdict::Failed, "{file}");
        let other: Vec<_> = outcome
            .violations
            .iter()
            .filter(|v| v.invariant != "no_token_leak")
            .collect();
        assert!(
            outcome.violated("no_token_leak") && other.is_empty(),
            "{file}: {:#?} {:?}",
            outcome.violations,
            record.broker_problems
        );
        let leak = &outcome.violations[0].message;
        assert!(
            leak.starts_with("the store at rest (`") && leak.contains("refresh token (raw form)"),
            "{file}: {leak}"
        );
        // It did serve, and came back from the kill -9 without consent.
        assert!(outcome.checked.contains(&"survives_restart"), "{file}");
        assert!(record.history.served().any(|s| s.result.is_ok()), "{file}");
    }
}

#[test]
fn with_no_store_to_read_the_same_broker_passes() {
    // Its memory store writes nothing down: the verdict follows what it did.
    let (outcome, record) = support::run_file("token-basics.toml", &plaintext_store());
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?} {:?}",
        outcome.violations,
        record.broker_problems
    );
    assert!(record.store_bytes.is_empty());
}
