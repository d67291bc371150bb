//! The `mock-provider` binary as a user in another language meets it: a
//! process started with a config file, reached only over HTTP on loopback.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `mock-provider` process, killed on drop.
pub struct Standalone {
    child: Child,
    /// `http://127.0.0.1:PORT`, as printed on stdout.
    pub uri: String,
    _config: tempfile::NamedTempFile,
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
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(config.as_bytes()).expect("write config");
        let mut child = Command::new(env!("CARGO_BIN_EXE_mock-provider"))
            .args(["--port", "0", "--config"])
            .arg(file.path())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn mock-provider");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the uri line");
        assert!(line.starts_with("http://127.0.0.1:"), "no uri: {line:?}");
        Self {
            child,
            uri: line.trim().to_owned(),
            _config: file,
        }
    }

    /// `host:port`, for raw sockets.
    pub fn address(&self) -> String {
        self.uri.trim_start_matches("http://").to_owned()
    }

    /// Sends `raw` (the bytes of a request, complete or not), closes the
    /// sending side and reads the answer until the server closes or
    /// `timeout` passes.
    pub fn raw(&self, raw: &[u8], timeout: Duration) -> RawAnswer {
        let mut stream = TcpStream::connect(self.address()).expect("connect");
        stream.set_read_timeout(Some(timeout)).expect("timeout");
        stream.write_all(raw).expect("send");
        stream
            .shutdown(std::net::Shutdown::Write)
            .expect("half close");
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        RawAnswer::parse(&bytes)
    }

    /// A blocking JSON-speaking client.
    pub fn http(&self) -> Http<'_> {
        Http {
            base: &self.uri,
            client: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .expect("client"),
        }
    }
}

/// An HTTP answer read off a raw socket.
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl RawAnswer {
    fn parse(bytes: &[u8]) -> Self {
        let split = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(bytes.len());
        let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = bytes.get(split + 4..).unwrap_or_default().to_vec();
        Self { status, head, body }
    }

    pub fn content_type(&self) -> String {
        self.head
            .lines()
            .find_map(|l| l.strip_prefix("content-type: "))
            .unwrap_or_default()
            .to_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// A reqwest client against one provider.
pub struct Http<'a> {
    base: &'a str,
    pub client: reqwest::blocking::Client,
}

/// Status, content type and body of an answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}), {}: {}", self.content_type, self.text))
    }

    /// True for a JSON content type and a body that parses as JSON.
    pub fn is_json(&self) -> bool {
        self.content_type.starts_with("application/json")
            && serde_json::from_str::<Value>(&self.text).is_ok()
    }
}

impl Http<'_> {
    pub fn send(&self, method: &str, path: &str, body: &str) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let response = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .expect("an answer");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Answer {
            status,
            content_type,
            text: response.text().expect("body"),
        }
    }

    pub fn get(&self, path: &str) -> Answer {
        self.send("GET", path, "")
    }

    pub fn post(&self, path: &str, body: &str) -> Answer {
        self.send("POST", path, body)
    }

    pub fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).expect("form"))
            .send()
            .expect("an answer");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Answer {
            status,
            content_type,
            text: response.text().expect("body"),
        }
    }

    /// A fresh access token for `account` by its seeded refresh token.
    pub fn access_token(&self, account: &str) -> String {
        let accounts = self.get("/__admin/accounts").json();
        let refresh = accounts["accounts"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["email"] == account))
            .and_then(|a| a["refresh_token"].as_str())
            .expect("a seeded account")
            .to_owned();
        let client_id = accounts["client_id"]
            .as_str()
            .expect("client id")
            .to_owned();
        let secret = accounts["client_secret"]
            .as_str()
            .expect("secret")
            .to_owned();
        let answer = self.post_form(
            "/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh),
                ("client_id", &client_id),
                ("client_secret", &secret),
            ],
        );
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.json()["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }
}

impl Standalone {
    /// The process's resident set size, in KiB (Linux).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }
}

impl Http<'_> {
    /// The refresh form of `account`'s seeded token.
    pub fn refresh_form(&self, account: &str) -> String {
        let accounts = self.get("/__admin/accounts").json();
        let refresh = accounts["accounts"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["email"] == account))
            .and_then(|a| a["refresh_token"].as_str())
            .expect("a seeded account")
            .to_owned();
        serde_urlencoded::to_string([
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
            (
                "client_id",
                accounts["client_id"].as_str().expect("client id"),
            ),
            (
                "client_secret",
                accounts["client_secret"].as_str().expect("secret"),
            ),
        ])
        .expect("form")
    }
}
