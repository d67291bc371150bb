//! The protocol's sign-in and service-account methods, driven through the
//! `reference-broker` binary's stdin and stdout against the mock provider on
//! loopback.

use mock_provider::MockProvider;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const ROBOT: &str = "robot@project.iam.gserviceaccount.com";
const PRIVATE_KEY: &str = include_str!("../../mock-provider/tests/keys/service_account.pem");
const PUBLIC_KEY: &[u8] = include_bytes!("../../mock-provider/tests/keys/service_account.pub.pem");
const READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
const SEND: &str = "https://www.googleapis.com/auth/gmail.send";

/// A running `reference-broker` process: write a request, read its answer.
struct Session {
    input: tokio::process::ChildStdin,
    output: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    next_id: u64,
    /// Killed on drop.
    _broker: tokio::process::Child,
}

impl Session {
    fn start() -> Self {
        let mut broker = tokio::process::Command::new(env!("CARGO_BIN_EXE_reference-broker"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the reference-broker binary starts");
        Self {
            input: broker.stdin.take().expect("piped stdin"),
            output: BufReader::new(broker.stdout.take().expect("piped stdout")).lines(),
            next_id: 1,
            _broker: broker,
        }
    }

    async fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let line = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.input
            .write_all(format!("{line}\n").as_bytes())
            .await
            .expect("the session reads");
        let answer = self
            .output
            .next_line()
            .await
            .expect("readable")
            .expect("an answer");
        let answer: Value = serde_json::from_str(&answer).expect("json");
        assert_eq!(answer["id"], id, "{answer}");
        answer
    }
}

async fn provider() -> MockProvider {
    MockProvider::builder()
        .service_account(ROBOT, PUBLIC_KEY)
        .expect("a valid public key")
        .start()
        .await
}

fn initialize_params(provider: &MockProvider) -> Value {
    json!({
        "provider": {
            "token_url": provider.token_url(), "auth_url": provider.authorize_url(),
            "redirect_url": provider.redirect_uri(), "jwks_url": provider.jwks_url(),
            "issuer": provider.issuer(),
        },
        "client": {"id": provider.client_id(), "secret": provider.client_secret().expose_secret()},
        "scopes": [READONLY],
        "store": {"kind": "memory"}, "seed": 3, "instance": 0,
        "service_accounts": [{
            "account": "robot",
            "key": {"type": "service_account", "client_email": ROBOT, "private_key_id": "k1", "private_key": PRIVATE_KEY},
            "scopes": [READONLY, SEND],
        }],
    })
}

async fn consent(url: &str) -> String {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let answer = browser.get(url).send().await.expect("the mock answers");
    answer.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned()
}

#[tokio::test]
async fn sign_in_over_the_protocol_verifies_once_and_refuses_a_replayed_state() {
    let provider = provider().await;
    let mut session = Session::start();
    let init = session
        .call("initialize", initialize_params(&provider))
        .await;
    let capabilities = init["result"]["capabilities"]
        .as_array()
        .expect("capabilities")
        .clone();
    for wanted in ["sign_in", "service_accounts", "authorization"] {
        assert!(capabilities.contains(&json!(wanted)), "{init}");
    }
    let begun = session
        .call("sign_in_begin", json!({"session": "browser-1"}))
        .await;
    let url = begun["result"]["url"].as_str().expect("a url").to_owned();
    let callback = consent(&url).await;
    let signed_in = session
        .call(
            "sign_in_complete",
            json!({"session": "browser-1", "callback_url": callback}),
        )
        .await;
    assert_eq!(
        signed_in["result"]["email"], "alice@example.com",
        "{signed_in}"
    );
    let replayed = session
        .call(
            "sign_in_complete",
            json!({"session": "browser-1", "callback_url": callback}),
        )
        .await;
    assert_eq!(replayed["error"]["code"], -32000, "{replayed}");
    assert_eq!(replayed["error"]["data"]["kind"], "invalid_state");
    let code = url::Url::parse(&callback)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    assert!(!replayed.to_string().contains(&code));
}

#[tokio::test]
async fn service_account_tokens_over_the_protocol_are_down_scoped_on_request() {
    let provider = provider().await;
    let mut session = Session::start();
    session
        .call("initialize", initialize_params(&provider))
        .await;
    let full = session
        .call("service_account_token", json!({"account": "robot"}))
        .await;
    assert!(
        full["result"]["access_token"]
            .as_str()
            .expect("a token")
            .starts_with("ya29.")
    );
    let narrow = session
        .call(
            "service_account_token",
            json!({"account": "robot", "scopes": [SEND]}),
        )
        .await;
    let narrow = narrow["result"]["access_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let info: Value = reqwest::Client::new()
        .get(provider.tokeninfo_url())
        .query(&[("access_token", narrow.as_str())])
        .send()
        .await
        .expect("tokeninfo")
        .json()
        .await
        .expect("json");
    assert_eq!(info["scope"], SEND);
    let outside = session
        .call(
            "service_account_token",
            json!({"account": "robot", "scopes": ["https://mail.google.com/"]}),
        )
        .await;
    assert_eq!(outside["error"]["data"]["kind"], "protocol", "{outside}");
    let unknown = session
        .call("service_account_token", json!({"account": "ghost"}))
        .await;
    assert_eq!(
        unknown["error"]["data"]["kind"], "unknown_account",
        "{unknown}"
    );
}

#[tokio::test]
async fn a_key_file_that_is_not_a_key_is_a_bad_param_naming_the_account() {
    let provider = provider().await;
    let mut session = Session::start();
    let mut params = initialize_params(&provider);
    params["service_accounts"][0]["key"]["private_key"] = json!("not a pem");
    let answer = session.call("initialize", params).await;
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
    let message = answer["error"]["message"].as_str().expect("message");
    assert!(message.contains("`robot`"), "{message}");
}
