//! The `mock-provider` binary as a user in another language meets it: a
//! real process with a config file, reached over loopback HTTP only (no
//! Rust API of the crate is used by the `standalone_*` tests).

#![allow(dead_code, reason = "each standalone_* test crate uses part of this")]

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

/// A running `mock-provider` process; killed on drop.
pub struct Standalone {
    child: Child,
    /// The base URI it printed (`http://127.0.0.1:PORT`).
    pub uri: String,
    /// The folder its config (and any key files) live in.
    pub dir: tempfile::TempDir,
    log: tempfile::NamedTempFile,
}

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Standalone {
    /// Starts the binary on a free port with `config` as its provider.toml.
    pub fn start(config: &str) -> Self {
        Self::start_with(config, &[], &["--port", "0"])
    }

    /// Starts it with extra files written next to the config and `args`.
    pub fn start_with(config: &str, files: &[(&str, &[u8])], args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, bytes) in files {
            std::fs::write(dir.path().join(name), bytes).expect("write a key file");
        }
        let config_path = dir.path().join("provider.toml");
        std::fs::File::create(&config_path)
            .and_then(|mut f| f.write_all(config.as_bytes()))
            .expect("write the config");
        let log = tempfile::NamedTempFile::new().expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_mock-provider"))
            .arg("--config")
            .arg(&config_path)
            .args(args)
            .env("RUST_LOG", "mock_provider=debug")
            .stdout(Stdio::piped())
            .stderr(log.reopen().expect("log handle"))
            .spawn()
            .expect("spawn mock-provider");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the URI line");
        assert!(
            !line.trim().is_empty(),
            "no URI printed: {}",
            read(log.path())
        );
        Self {
            child,
            uri: line.trim().to_owned(),
            dir,
            log,
        }
    }

    /// What the process logged so far.
    pub fn logs(&self) -> String {
        read(self.log.path())
    }

    /// `uri` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.uri)
    }

    /// GET `path` as JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        get_json(&self.url(path)).await
    }

    /// POST a JSON body to an admin route.
    pub async fn admin(&self, path: &str, body: Value) -> (u16, Value) {
        let answer = http()
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("POST");
        (
            answer.status().as_u16(),
            answer.json().await.unwrap_or(Value::Null),
        )
    }

    /// The client and the seeded accounts, from `/__admin/accounts`.
    pub async fn accounts(&self) -> Value {
        self.get_json("/__admin/accounts").await
    }

    /// A fresh access token for the first seeded account, by refresh.
    pub async fn access_token(&self) -> String {
        let body = self.refresh(None).await;
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// Refreshes the first seeded account's grant, narrowed to `scope`
    /// when given; the token response.
    pub async fn refresh(&self, scope: Option<&str>) -> Value {
        let accounts = self.accounts().await;
        let mut form = vec![
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                accounts["accounts"][0]["refresh_token"].as_str().unwrap(),
            ),
            ("client_id", accounts["client_id"].as_str().unwrap()),
            ("client_secret", accounts["client_secret"].as_str().unwrap()),
        ];
        form.extend(scope.map(|scope| ("scope", scope)));
        let (status, body) = post_form(&self.url("/token"), &form).await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// A client that does not follow redirects (the tests read them).
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

/// GET a URL as JSON.
pub async fn get_json(url: &str) -> Value {
    let answer = http().get(url).send().await.expect("GET");
    answer.json().await.expect("a JSON body")
}

/// POST a form; status and JSON body.
pub async fn post_form(url: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let answer = http().post(url).form(form).send().await.expect("POST");
    (
        answer.status().as_u16(),
        answer.json().await.unwrap_or(Value::Null),
    )
}

/// True when `python3` can import `modules` (comma-separated). Without
/// them a test says so and passes, except under `CI=true`, where
/// `scripts/install-test-deps.sh` must have installed them.
pub fn python_with(modules: &str) -> bool {
    let found = Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|out| out.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3 with {modules} is required under CI=true: run scripts/install-test-deps.sh"
        );
        eprintln!("skipped: python3 with {modules} not found (scripts/install-test-deps.sh)");
    }
    found
}

/// Runs a script from `tests/real_libraries/` with `args`; its one JSON line.
pub async fn python(script: &str, args: &[&str]) -> Value {
    python_fed(script, args, "").await
}

/// Runs a script with `input` on its stdin (how tokens reach it: never on
/// a command line); its one JSON line.
pub async fn python_fed(script: &str, args: &[&str], input: &str) -> Value {
    use tokio::io::AsyncWriteExt;
    let path = format!(
        "{}/tests/real_libraries/{script}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut child = tokio::process::Command::new("python3")
        .arg(path)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input.as_bytes()).await.expect("feed stdin");
    drop(stdin);
    let output = child.wait_with_output().await.expect("python3 finishes");
    assert!(
        output.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{script} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}
