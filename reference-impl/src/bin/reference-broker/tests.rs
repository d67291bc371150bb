//! The session without a network: which methods `initialize` enables, and
//! the typed errors for calls that cannot be answered.

use crate::serve::serve;
use serde_json::{Value, json};

/// Runs `requests` through [`serve`] and returns the answers by id.
async fn session(requests: &[Value]) -> Vec<Value> {
    let input: String = requests.iter().map(|r| format!("{r}\n")).collect();
    let mut output = Vec::new();
    serve(input.as_bytes(), &mut output).await.expect("served");
    let mut answers: Vec<Value> = String::from_utf8(output)
        .expect("utf-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("json"))
        .collect();
    answers.sort_by_key(|answer| answer["id"].as_u64());
    answers
}

fn request(id: u64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

fn initialize(provider: Value) -> Value {
    request(
        1,
        "initialize",
        json!({
            "provider": provider,
            "client": {"id": "client", "secret": "GOCSPX-not-a-real-secret"},
            "store": {"kind": "memory"},
        }),
    )
}

#[tokio::test]
async fn capabilities_follow_the_provider_urls_given_to_initialize() {
    let token_only = session(&[initialize(json!({"token_url": "http://127.0.0.1:9/token"}))]).await;
    assert_eq!(
        token_only[0]["result"]["capabilities"],
        json!(["access_token", "status", "wall_clock_waits"])
    );
    let everything = session(&[initialize(json!({
        "token_url": "http://127.0.0.1:9/token",
        "auth_url": "http://127.0.0.1:9/o/oauth2/v2/auth",
        "redirect_url": "http://127.0.0.1:9/callback",
        "gmail_base": "http://127.0.0.1:9/gmail/v1",
    }))])
    .await;
    assert_eq!(
        everything[0]["result"]["capabilities"],
        json!([
            "access_token",
            "status",
            "wall_clock_waits",
            "authorization",
            "gmail"
        ])
    );
}

#[tokio::test]
async fn mail_and_authorization_calls_without_their_urls_are_unsupported_methods() {
    let account = json!({"account": "alice@example.com"});
    let answers = session(&[
        initialize(json!({"token_url": "http://127.0.0.1:9/token"})),
        request(2, "sync", account.clone()),
        request(3, "synced_ids", account.clone()),
        request(4, "begin_authorization", account),
    ])
    .await;
    for answer in &answers[1..] {
        assert_eq!(answer["error"]["code"], json!(-32601), "{answer}");
    }
}

#[tokio::test]
async fn level_4_calls_before_initialize_and_with_bad_params_are_typed_errors() {
    // Alone: requests are answered concurrently, so a call pipelined just
    // before `initialize` may be served after it.
    let before = session(&[request(
        1,
        "synced_ids",
        json!({"account": "alice@example.com"}),
    )])
    .await;
    assert_eq!(before[0]["error"]["code"], json!(-32002));
    let answers = session(&[
        initialize(json!({
            "token_url": "http://127.0.0.1:9/token",
            "gmail_base": "http://127.0.0.1:9/gmail/v1",
        })),
        request(
            3,
            "send",
            json!({"account": "alice@example.com", "raw": "%%%"}),
        ),
        request(4, "send", json!({"account": "alice@example.com"})),
        request(5, "synced_ids", json!({"account": "alice@example.com"})),
    ])
    .await;
    let message = |answer: &Value| answer["error"]["message"].as_str().unwrap_or("").to_owned();
    assert_eq!(answers[1]["error"]["code"], json!(-32602), "{}", answers[1]);
    assert!(message(&answers[1]).contains("base64url"), "{}", answers[1]);
    assert_eq!(answers[2]["error"]["code"], json!(-32602), "{}", answers[2]);
    assert!(message(&answers[2]).contains("`raw`"), "{}", answers[2]);
    assert_eq!(answers[3]["result"]["ids"], json!([]), "nothing synced yet");
}

#[tokio::test]
async fn a_bad_store_keyring_is_a_params_error_that_shows_no_key() {
    let answers = session(&[request(
        1,
        "initialize",
        json!({
            "provider": {"token_url": "http://127.0.0.1:9/token"},
            "client": {"id": "client", "secret": "s"},
            "store": {"kind": "memory", "keys": "k1:c2VjcmV0LWtleS1ieXRlcw"},
        }),
    )])
    .await;
    let error = &answers[0]["error"];
    assert_eq!(error["code"], json!(-32602), "{error}");
    assert!(!error.to_string().contains("c2VjcmV0"), "{error}");
}

#[tokio::test]
async fn a_file_store_keeps_the_mailbox_in_a_sqlite_file_beside_the_grants() {
    let dir = tempfile::tempdir().expect("a scratch folder");
    let answers = session(&[
        request(
            1,
            "initialize",
            json!({
                "provider": {
                    "token_url": "http://127.0.0.1:9/token",
                    "gmail_base": "http://127.0.0.1:9/gmail/v1",
                },
                "client": {"id": "client", "secret": "s"},
                "store": {"kind": format!("file:{}", dir.path().display())},
            }),
        ),
        request(2, "synced_ids", json!({"account": "alice@example.com"})),
    ])
    .await;
    assert!(
        answers[0]["result"]["capabilities"]
            .as_array()
            .expect("capabilities")
            .contains(&json!("gmail"))
    );
    assert_eq!(answers[1]["result"]["ids"], json!([]));
    assert!(dir.path().join("mailbox.sqlite").is_file());
}
