//! `gmail_request`, the optional level-4 method no scenario step uses yet:
//! spoken raw (line by line) to the `reference-broker` process, against the
//! mock on 127.0.0.1. It must make the authenticated call, force one
//! refresh on a 401, refuse to send its token anywhere but Gmail, and keep
//! secrets out of its answers.

mod support;

use mock_provider::{Endpoint, MockProvider};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

const ALICE: &str = "alice@example.com";

/// One raw protocol session with a `reference-broker` process.
struct Session {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    next_id: u64,
}

impl Session {
    fn start() -> Self {
        let mut child = Command::new(support::reference_broker_binary())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("reference-broker starts");
        let stdin = child.stdin.take().expect("piped");
        let stdout = BufReader::new(child.stdout.take().expect("piped")).lines();
        Self {
            child,
            stdin,
            stdout,
            next_id: 1,
        }
    }

    /// Sends one request and returns the whole answer object.
    async fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let line = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .expect("written");
        let answer = self
            .stdout
            .next_line()
            .await
            .expect("readable")
            .expect("an answer line");
        let answer: Value = serde_json::from_str(&answer).expect("json");
        assert_eq!(answer["id"], json!(id), "{answer}");
        answer
    }

    async fn initialize(&mut self, provider: &MockProvider) -> Value {
        let base = provider.uri();
        let refresh = provider.refresh_token(ALICE).expect("consented");
        let params = json!({
            "protocol_version": 1,
            "provider": {"token_url": provider.token_url(), "gmail_base": format!("{base}/gmail/v1")},
            "client": {"id": provider.client_id(), "secret": provider.client_secret().expose_secret()},
            "accounts": [{"account": ALICE, "refresh_token": refresh.expose_secret()}],
            "store": {"kind": "memory"},
        });
        self.call("initialize", params).await
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn gmail_request_calls_gmail_and_forces_one_refresh_after_a_401() {
    runtime().block_on(async {
        let provider = MockProvider::builder().account(ALICE).start().await;
        let mut session = Session::start();
        let capabilities = session.initialize(&provider).await["result"]["capabilities"].clone();
        assert!(
            capabilities
                .as_array()
                .expect("array")
                .contains(&json!("gmail")),
            "{capabilities}"
        );
        // No auth_url/redirect_url in `initialize`: no level 3.
        assert!(
            !capabilities
                .as_array()
                .expect("array")
                .contains(&json!("authorization"))
        );

        let profile = json!({"account": ALICE, "path": "/users/me/profile"});
        let answer = session.call("gmail_request", profile.clone()).await;
        assert_eq!(answer["result"]["status"], json!(200), "{answer}");
        assert_eq!(
            answer["result"]["body"]["emailAddress"],
            json!(ALICE),
            "{answer}"
        );
        assert_eq!(answer["result"]["refreshed"], json!(false));
        let refreshes = || provider.journal().refreshes().len();
        assert_eq!(refreshes(), 1);

        provider.invalidate_access_tokens(ALICE);
        let answer = session.call("gmail_request", profile).await;
        assert_eq!(answer["result"]["status"], json!(200), "{answer}");
        assert_eq!(answer["result"]["refreshed"], json!(true), "{answer}");
        assert_eq!(refreshes(), 2, "one forced refresh");
        let profile_calls = provider
            .journal()
            .for_endpoint(Endpoint::GmailProfile)
            .len();
        assert_eq!(profile_calls, 3, "ok, 401, ok after the refresh");

        session.call("shutdown", json!({})).await;
        session.child.wait().await.expect("exits");
    });
}

#[test]
fn gmail_request_refuses_paths_outside_gmail_and_bad_params_name_no_secret() {
    runtime().block_on(async {
        let provider = MockProvider::builder().account(ALICE).start().await;
        let mut session = Session::start();
        session.initialize(&provider).await;
        for path in [
            "http://attacker.example/steal",
            "/users/../../token",
            "users/me",
        ] {
            let answer = session
                .call("gmail_request", json!({"account": ALICE, "path": path}))
                .await;
            assert_eq!(answer["error"]["code"], json!(-32602), "{path}: {answer}");
        }
        assert!(
            provider
                .journal()
                .filter(|entry| entry.endpoint != Endpoint::Token)
                .is_empty(),
            "nothing went to Gmail (or elsewhere) for the refused paths"
        );
        let answer = session
            .call("send", json!({"account": ALICE, "raw": "not base64url!*"}))
            .await;
        assert_eq!(answer["error"]["code"], json!(-32602), "{answer}");
        let answer = session
            .call("access_token", json!({"account": ALICE, "rejected": 42}))
            .await;
        assert_eq!(answer["error"]["code"], json!(-32602), "{answer}");
        let answer = session
            .call("sync", json!({"account": ["1//0refresh-looking-secret"]}))
            .await;
        assert_eq!(answer["error"]["code"], json!(-32602), "{answer}");
        assert!(!answer.to_string().contains("refresh-looking"), "{answer}");
        let answer = session
            .call("sync", json!({"account": "bob@example.com"}))
            .await;
        assert_eq!(answer["error"]["code"], json!(-32000), "{answer}");
        session.call("shutdown", json!({})).await;
        session.child.wait().await.expect("exits");
    });
}
