//! The `mock-provider` binary, started as a real process and driven over HTTP.

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str], log: &std::fs::File) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mock-provider"))
        .args(args)
        .env("RUST_LOG", "mock_provider=debug")
        .stdout(Stdio::piped())
        .stderr(log.try_clone().expect("log handle"))
        .spawn()
        .expect("spawn mock-provider");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the uri line");
    (Running(child), line.trim().to_owned())
}

fn config_file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(text.as_bytes()).expect("write");
    file
}

#[tokio::test]
async fn the_binary_serves_a_refresh_and_the_admin_api_from_its_config() {
    let config = config_file(
        "seed = 9\naccounts = [\"zoe@example.com\"]\n[client]\nid = \"cli.apps.googleusercontent.com\"\nsecret = \"GOCSPX-cli\"\n[gmail]\nmailbox_size = 4\n",
    );
    let log = tempfile::NamedTempFile::new().expect("log file");
    let (process, uri) = start(
        &["--port", "0", "--config", config.path().to_str().unwrap()],
        log.as_file(),
    );
    assert!(uri.starts_with("http://127.0.0.1:"), "{uri}");
    let http = reqwest::Client::new();
    let accounts: Value = http
        .get(format!("{uri}/__admin/accounts"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(accounts["client_id"], "cli.apps.googleusercontent.com");
    let refresh_token = accounts["accounts"][0]["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.as_str()),
        ("client_id", "cli.apps.googleusercontent.com"),
        ("client_secret", "GOCSPX-cli"),
    ];
    let body = serde_urlencoded::to_string(form).unwrap();
    let token: Value = http
        .post(format!("{uri}/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(token["access_token"].as_str().unwrap().starts_with("ya29."));
    let mailbox: Value = http
        .get(format!("{uri}/__admin/mailboxes/zoe@example.com"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mailbox["messages"].as_array().unwrap().len(), 4);
    let journal: Value = http
        .get(format!("{uri}/__admin/journal?endpoint=token"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(journal["entries"][0]["status"], 200);

    drop(process);
    let logs = std::fs::read_to_string(log.path()).expect("logs");
    assert!(logs.contains("POST token"), "the journal is logged: {logs}");
    let access_token = token["access_token"].as_str().unwrap();
    for secret in [refresh_token.as_str(), access_token, "GOCSPX-cli"] {
        assert!(!logs.contains(secret), "a secret reached the logs");
    }
}

#[test]
fn an_unknown_config_field_is_an_error_naming_file_line_and_field() {
    let config = config_file("seed = 1\n\n[gmail]\nmailbox_sise = 3\n");
    let output = Command::new(env!("CARGO_BIN_EXE_mock-provider"))
        .args(["--config", config.path().to_str().unwrap()])
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(config.path().to_str().unwrap()), "{stderr}");
    assert!(stderr.contains("line 4"), "{stderr}");
    assert!(stderr.contains("mailbox_sise"), "{stderr}");
}
