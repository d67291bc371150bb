//! The leak checker finds a secret in every form and place it looks, and
//! nothing in clean output.

use harness::checkers::{Checker, NoTokenLeak};
use harness::run::RunRecord;
use harness::scenario::NoTokenLeakParams;
use mock_provider::{RegisteredSecret, SecretKind};

const TOKEN: &str = "ya29.a0AfB_byC4kX9-secretvalue/with+chars==";

fn record_with_log(log: &str) -> RunRecord {
    RunRecord {
        secrets: vec![RegisteredSecret {
            kind: SecretKind::AccessToken,
            value: TOKEN.to_owned().into(),
        }],
        broker_log: log.as_bytes().to_vec(),
        ..RunRecord::default()
    }
}

fn leaks(record: &RunRecord) -> Vec<String> {
    NoTokenLeak::new(NoTokenLeakParams::default())
        .check(record)
        .violations()
        .to_vec()
        .into_iter()
        .map(|v| v.message)
        .collect()
}

#[test]
fn clean_logs_have_no_leak() {
    assert!(
        leaks(&record_with_log(
            "DEBUG refresh succeeded account=alice fp:1a2b3c4d5e6f7a8b"
        ))
        .is_empty()
    );
}

#[test]
fn a_raw_token_in_the_log_is_a_leak() {
    let found = leaks(&record_with_log(&format!("token={TOKEN}")));
    assert!(
        found.iter().any(|m| m.contains("access token (raw form)")),
        "{found:?}"
    );
}

#[test]
fn a_truncated_token_of_sixteen_characters_is_a_leak() {
    let found = leaks(&record_with_log(&format!("token={}...", &TOKEN[..18])));
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn url_encoded_and_base64_forms_are_leaks() {
    let url = serde_urlencoded::to_string([("t", TOKEN)]).expect("encodes");
    assert!(
        leaks(&record_with_log(&url))
            .iter()
            .any(|m| m.contains("url-encoded"))
    );
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(TOKEN);
    assert!(
        leaks(&record_with_log(&b64))
            .iter()
            .any(|m| m.contains("base64"))
    );
}

#[test]
fn secrets_in_request_urls_errors_and_store_bytes_are_leaks() {
    let mut record = record_with_log("");
    record
        .request_urls
        .push(format!("http://x/token?access_token={TOKEN}"));
    record
        .failure_messages
        .push(format!("refresh failed for {TOKEN}"));
    record
        .store_bytes
        .push(("file".into(), TOKEN.as_bytes().to_vec()));
    let found = leaks(&record);
    for place in ["a request url", "an error message", "store `file`"] {
        assert!(
            found.iter().any(|m| m.contains(place)),
            "{place}: {found:?}"
        );
    }
}

#[test]
fn an_in_process_run_captures_the_brokers_trace_events_for_the_scan() {
    use harness::broker::BrokerChoice;
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios/trace-logging-refresh-storm.toml");
    let scenario = harness::scenario::load_file(&path).expect("loads");
    let reference = BrokerChoice::parse("reference").expect("known");
    let (outcome, record) =
        harness::run::run_scenario(&path, &scenario, &reference, None).expect("runs");
    assert!(outcome.checked.contains(&"no_token_leak"));
    let log = String::from_utf8_lossy(&record.broker_log);
    assert!(
        log.contains("reference_impl"),
        "the broker's debug events are captured: {log}"
    );
    assert!(
        !log.contains("mock_provider"),
        "the provider's own events are not"
    );
    assert!(!record.secrets.is_empty() && !record.request_urls.is_empty());
}
