//! The reference broker's process protocol, driven through the
//! `reference-broker` binary's stdin and stdout against a wiremock token
//! endpoint.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::process::Stdio;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn session(token_url: &str, requests: &[Value], raw: &str) -> BTreeMap<String, Value> {
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "provider": {"token_url": token_url, "auth_url": "", "revoke_url": "", "gmail_base": ""},
        "client": {"id": "client", "secret": "client-secret-value"},
        "accounts": [{"account": "alice", "refresh_token": "1//refresh-token-value"}],
        "scopes": [], "store": {"kind": "memory"}, "seed": 1, "instance": 0
    }});
    let mut input = format!("{init}\n{raw}");
    for request in requests {
        input.push_str(&format!("{request}\n"));
    }
    input.push_str("{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"shutdown\"}\n");
    // The broker answers initialize before it reads the next line.
    let output = run_broker(&input).await;
    String::from_utf8(output)
        .expect("utf-8")
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("every answer is JSON"))
        .map(|answer| (answer["id"].to_string(), answer))
        .collect()
}

/// Runs the `reference-broker` binary on `input` until it exits; its stdout.
async fn run_broker(input: &str) -> Vec<u8> {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_reference-broker"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the reference-broker binary starts");
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin
        .write_all(input.as_bytes())
        .await
        .expect("the broker reads");
    drop(stdin);
    let mut output = Vec::new();
    child
        .stdout
        .take()
        .expect("piped stdout")
        .read_to_end(&mut output)
        .await
        .expect("the broker's stdout is readable");
    let status = child.wait().await.expect("the broker exits");
    assert!(status.success(), "reference-broker exited with {status}");
    output
}

#[tokio::test]
async fn initialize_declares_capabilities_and_unknown_methods_are_method_not_found() {
    let answers = session(
        "http://127.0.0.1:9/token",
        &[json!({"jsonrpc":"2.0","id":2,"method":"sync","params":{"account":"alice"}})],
        "this is not json\n",
    )
    .await;
    assert_eq!(
        answers["1"]["result"]["capabilities"],
        json!(["access_token", "status", "wall_clock_waits"])
    );
    assert_eq!(answers["2"]["error"]["code"], -32601);
    assert_eq!(answers["null"]["error"]["code"], -32700);
    assert_eq!(answers["99"]["result"], json!({}));
}

#[tokio::test]
async fn concurrent_access_token_calls_share_one_refresh_and_unknown_accounts_are_typed() {
    let google = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "ya29.shared", "expires_in": 3599, "token_type": "Bearer"
        })))
        .expect(1)
        .mount(&google)
        .await;
    let mut requests: Vec<Value> = (2..7)
        .map(|id| json!({"jsonrpc":"2.0","id":id,"method":"access_token","params":{"account":"alice"}}))
        .collect();
    requests.push(
        json!({"jsonrpc":"2.0","id":7,"method":"access_token","params":{"account":"mallory"}}),
    );
    let answers = session(&format!("{}/token", google.uri()), &requests, "").await;
    for id in 2..7 {
        assert_eq!(
            answers[&id.to_string()]["result"]["access_token"],
            "ya29.shared"
        );
    }
    assert_eq!(answers["7"]["error"]["data"]["kind"], "unknown_account");
}

#[tokio::test]
async fn invalid_grant_is_reported_as_revoked_without_the_token_in_the_message() {
    let google = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant", "error_description": "Token has been expired or revoked."
        })))
        .mount(&google)
        .await;
    let token_url = format!("{}/token", google.uri());
    let first = session(
        &token_url,
        &[json!({"jsonrpc":"2.0","id":2,"method":"access_token","params":{"account":"alice"}})],
        "",
    )
    .await;
    assert_eq!(first["2"]["error"]["data"]["kind"], "revoked");
    let message = first["2"]["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.contains("refresh-token-value"), "{message}");
}

#[tokio::test]
async fn the_harness_http_timeout_bounds_each_token_request() {
    // The token endpoint answers after 20 s; with `http_timeout_ms` = 300
    // the broker gives up on each attempt long before its own 10 s default
    // would have (one attempt alone would then outlast the whole session).
    let google = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "ya29.late", "expires_in": 3599}))
                .set_delay(std::time::Duration::from_secs(20)),
        )
        .mount(&google)
        .await;
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "provider": {"token_url": format!("{}/token", google.uri()), "auth_url": "",
                     "revoke_url": "", "gmail_base": ""},
        "client": {"id": "client", "secret": "client-secret-value"},
        "accounts": [{"account": "alice", "refresh_token": "1//refresh-token-value"}],
        "scopes": [], "store": {"kind": "memory"}, "seed": 1, "instance": 0,
        "http_timeout_ms": 300
    }});
    let call = json!({"jsonrpc":"2.0","id":2,"method":"access_token","params":{"account":"alice"}});
    let input =
        format!("{init}\n{call}\n{{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"shutdown\"}}\n");
    let started = std::time::Instant::now();
    let output = run_broker(&input).await;
    let elapsed = started.elapsed();
    let answers: Vec<Value> = String::from_utf8(output)
        .expect("utf-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON"))
        .collect();
    let answer = answers.iter().find(|a| a["id"] == 2).expect("answered");
    assert_eq!(answer["error"]["data"]["kind"], "transient", "{answer}");
    assert!(
        elapsed < std::time::Duration::from_secs(10),
        "the session took {elapsed:?}"
    );
}
