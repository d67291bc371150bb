//! The leak checker finds a secret in every form and place it looks, and
//! nothing in clean output.

use harness::checkers::NoTokenLeak;
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
        .judge(record)
        .expect("there is something to scan")
        .into_iter()
        .map(|v| v.message)
        .collect()
}

fn secret(kind: SecretKind, value: &str) -> RegisteredSecret {
    RegisteredSecret {
        kind,
        value: value.to_owned().into(),
    }
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
    record.history.push(harness::run::Event::Failure {
        at: std::time::UNIX_EPOCH,
        message: format!("refresh failed for {TOKEN}"),
    });
    record
        .store_bytes
        .push(("file".into(), TOKEN.as_bytes().to_vec()));
    let found = leaks(&record);
    for place in [
        "a request URL",
        "an error message",
        "the store at rest (`file`)",
    ] {
        assert!(
            found.iter().any(|m| m.contains(place)),
            "{place}: {found:?}"
        );
    }
}

#[test]
fn the_gateways_own_key_lines_and_consumer_credentials_are_looked_for_too() {
    let key_line = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";
    let credential = "relay-consumer-credential-of-sync-worker";
    let log = format!("loaded {key_line}\nauthorization: Bearer {credential}\n");
    let mut record = record_with_log(&log);
    assert!(
        leaks(&record).is_empty(),
        "unregistered, they are not the provider's secrets"
    );
    record.gateway.secrets = vec![
        ("a service-account private key", key_line.to_owned().into()),
        (
            "a relay consumer's credential",
            credential.to_owned().into(),
        ),
    ];
    let found = leaks(&record);
    assert!(
        found[0].contains("service-account private key (raw form)"),
        "{found:?}"
    );
    assert!(
        found[1].contains("relay consumer's credential (raw form)"),
        "{found:?}"
    );
}

#[test]
fn an_in_process_run_captures_the_brokers_trace_events_for_the_scan() {
    use harness::choice::BrokerChoice;
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

#[test]
fn a_token_logged_in_hex_of_either_case_is_a_leak() {
    let hex = hex::encode(TOKEN);
    for log in [hex.clone(), hex.to_uppercase()] {
        let found = leaks(&record_with_log(&format!("bytes={log}")));
        assert!(
            found.iter().any(|m| m.contains("access token (hex form)")),
            "{found:?}"
        );
    }
}

#[test]
fn a_logged_basic_authorization_header_leaks_the_client_secret_at_any_offset() {
    use base64::Engine;
    let client_secret = "GOCSPX-0AbCdEfGhIjKlMnOpQrStUvW";
    // Client ids of each length mod 3 put the secret at each alignment.
    for client_id in ["123-a.apps", "123-ab.apps", "1234567890-oauthchaos.apps"] {
        let header = base64::engine::general_purpose::STANDARD
            .encode(format!("{client_id}:{client_secret}"));
        let record = RunRecord {
            secrets: vec![secret(SecretKind::ClientSecret, client_secret)],
            broker_log: format!("> authorization: Basic {header}").into_bytes(),
            ..RunRecord::default()
        };
        let found = leaks(&record);
        assert!(
            found.iter().any(|m| m.contains("client secret (base64")),
            "{client_id}: {found:?}"
        );
    }
}

#[test]
fn a_token_in_a_status_answer_or_any_protocol_answer_is_a_leak() {
    let mut record = record_with_log("");
    record.history.push(harness::run::StatusSample {
        instance: 0,
        at: std::time::SystemTime::UNIX_EPOCH,
        answered_at: std::time::SystemTime::UNIX_EPOCH,
        accounts: vec![harness::broker::AccountReport {
            account: "alice@example.com".into(),
            state: harness::broker::AccountState::from_wire(&format!("ok {TOKEN}")),
            alert: None,
        }],
    });
    record.broker_answers = format!(
        r#"{{"jsonrpc":"2.0","id":4,"result":{{"accounts":[{{"account":"alice","state":"ok","token":"{TOKEN}"}}]}}}}"#
    )
    .into_bytes();
    let found = leaks(&record);
    for place in ["a status answer", "a protocol answer"] {
        assert!(
            found.iter().any(|m| m.starts_with(place)),
            "{place}: {found:?}"
        );
    }
}

#[test]
fn a_url_the_provider_flagged_is_a_leak_whoever_sent_it() {
    let mut record = record_with_log("");
    let mut entry = blank_entry(7, mock_provider::Endpoint::TokenInfo, "/tokeninfo");
    entry.request.url_secret = true;
    record.journal = vec![
        blank_entry(6, mock_provider::Endpoint::Token, "/token"),
        entry,
    ];
    let found = leaks(&record);
    assert!(
        found
            .iter()
            .any(|m| m.contains("1 request(s) to `tokeninfo`") && m.contains("#7")),
        "{found:?}"
    );
}

fn blank_entry(
    seq: u64,
    endpoint: mock_provider::Endpoint,
    path: &str,
) -> mock_provider::JournalEntry {
    mock_provider::JournalEntry {
        seq,
        started_at: std::time::SystemTime::UNIX_EPOCH,
        finished_at: std::time::SystemTime::UNIX_EPOCH,
        method: "GET".into(),
        endpoint,
        client_id: None,
        account: None,
        grant_id: None,
        grant_type: None,
        presented: Vec::new(),
        issued: None,
        status: 200,
        error: None,
        fault: None,
        request: mock_provider::RequestDetails {
            path: path.into(),
            ..Default::default()
        },
    }
}

#[test]
fn the_first_violation_says_what_was_scanned() {
    let mut record = record_with_log(&format!("token={TOKEN}"));
    record.history.push(harness::run::Event::Failure {
        at: std::time::UNIX_EPOCH,
        message: "refresh failed".into(),
    });
    let found = leaks(&record);
    assert!(
        found[0].contains("scanned broker log (")
            && found[0].contains("error messages (1 message, 14 B)")
            && found[0].contains("nothing captured in:")
            && found[0].contains("store files at rest"),
        "{found:?}"
    );
}

#[test]
fn nothing_to_scan_or_nothing_to_look_for_is_unknown_not_a_pass() {
    let checker = NoTokenLeak::new(NoTokenLeakParams::default());
    let nothing_captured = record_with_log("");
    let reason = checker.judge(&nothing_captured).expect_err("no data");
    assert!(reason.contains("nothing was captured"), "{reason}");
    let no_secrets = RunRecord {
        broker_log: b"lots of log lines".to_vec(),
        ..RunRecord::default()
    };
    let reason = checker.judge(&no_secrets).expect_err("nothing to look for");
    assert!(reason.contains("no secret"), "{reason}");
}
