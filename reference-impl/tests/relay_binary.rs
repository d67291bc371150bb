//! The `token-relay` process: started from a `relay.toml` in front of the mock
//! provider, both over loopback HTTP. Consumers use `RelayClient`; Prometheus
//! scrapes `/metrics`; the process is killed with SIGKILL and started again.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use mock_provider::{Endpoint, Fault, MockProvider};
use reference_impl::{
    HttpRequest, HttpResponse, HttpTransport, RelayClient, RelayClientError, ReqwestTransport,
    SystemClock, TransportError,
};
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const ALICE: &str = "alice@example.com";
const READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
const SEND: &str = "https://www.googleapis.com/auth/gmail.send";
const ROBOT: &str = "robot@project.iam.gserviceaccount.com";
const PRIVATE_KEY: &str = include_str!("../../mock-provider/tests/keys/service_account.pem");
const PUBLIC_KEY: &[u8] = include_bytes!("../../mock-provider/tests/keys/service_account.pub.pem");
const READER: &str = "reader-credential-0123456789abcdef0123456789";
const SENDER: &str = "sender-credential-0123456789abcdef0123456789";
const ROBOT_READER: &str = "robot-reader-credential-0123456789abcdef01";

/// Counts what a client sends, to show when it sends nothing.
#[derive(Debug, Default)]
struct Counting {
    inner: ReqwestTransport,
    sent: AtomicUsize,
}

impl HttpTransport for Counting {
    fn send(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        self.sent.fetch_add(1, Ordering::SeqCst);
        self.inner.send(request)
    }
}

struct Rig {
    provider: MockProvider,
    dir: tempfile::TempDir,
    relay: Child,
    url: String,
}

async fn provider() -> MockProvider {
    MockProvider::builder()
        .account(ALICE)
        .scopes([READONLY, SEND])
        .service_account(ROBOT, PUBLIC_KEY)
        .expect("a valid public key")
        .start()
        .await
}

fn config(provider: &MockProvider, listen: &str) -> String {
    format!(
        r#"listen = "{listen}"
alert_after = 2

[provider]
token_url = "{token_url}"
client_id = "{client_id}"
client_secret_env = "RELAY_CLIENT_SECRET"

[[accounts]]
name = "{ALICE}"
refresh_token_env = "ALICE_REFRESH_TOKEN"

[[service_accounts]]
name = "robot"
key_file = "robot-key.json"
scopes = ["{READONLY}"]

[[roles]]
name = "reader"
account = "{ALICE}"
scopes = ["{READONLY}"]

[[roles]]
name = "sender"
account = "{ALICE}"
scopes = ["{SEND}"]

[[roles]]
name = "robot-reader"
account = "robot"
scopes = ["{READONLY}"]

[[consumers]]
id = "sync-worker"
role = "reader"
credential_env = "READER_SECRET"

[[consumers]]
id = "outbox-worker"
role = "sender"
credential_env = "SENDER_SECRET"

[[consumers]]
id = "report-worker"
role = "robot-reader"
credential_env = "ROBOT_SECRET"
"#,
        token_url = provider.token_url(),
        client_id = provider.client_id(),
    )
}

/// Starts the binary on `dir/relay.toml`; its URI from the first line of stdout.
async fn spawn(provider: &MockProvider, dir: &std::path::Path) -> (Child, Result<String, String>) {
    spawn_logging(provider, dir, "warn").await
}

/// [`spawn`] with `RUST_LOG=level`.
async fn spawn_logging(
    provider: &MockProvider,
    dir: &std::path::Path,
    level: &str,
) -> (Child, Result<String, String>) {
    let refresh = provider.refresh_token(ALICE).expect("seeded");
    let mut child = Command::new(env!("CARGO_BIN_EXE_token-relay"))
        .arg("--config")
        .arg(dir.join("relay.toml"))
        .env(
            "RELAY_CLIENT_SECRET",
            provider.client_secret().expose_secret(),
        )
        .env("ALICE_REFRESH_TOKEN", refresh.expose_secret())
        .env("READER_SECRET", READER)
        .env("SENDER_SECRET", SENDER)
        .env("ROBOT_SECRET", ROBOT_READER)
        .env("RUST_LOG", level)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("token-relay starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await;
    let uri = match first {
        Ok(Ok(Some(line))) if line.starts_with("http://") => Ok(line),
        _ => {
            let mut stderr = String::new();
            if let Some(mut err) = child.stderr.take() {
                use tokio::io::AsyncReadExt;
                let _ =
                    tokio::time::timeout(Duration::from_secs(5), err.read_to_string(&mut stderr))
                        .await;
            }
            Err(stderr)
        }
    };
    (child, uri)
}

async fn rig() -> Rig {
    rig_logging("warn").await
}

/// [`rig`] with the relay logging at `level`.
async fn rig_logging(level: &str) -> Rig {
    let provider = provider().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let key = serde_json::json!({
        "type": "service_account",
        "client_email": ROBOT,
        "private_key_id": "k1",
        "private_key": PRIVATE_KEY,
        "token_uri": provider.token_url(),
    });
    std::fs::write(dir.path().join("robot-key.json"), key.to_string()).expect("key file");
    // A fixed port, so a restarted relay is where its consumers look.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let listen = format!("127.0.0.1:{port}");
    std::fs::write(dir.path().join("relay.toml"), config(&provider, &listen)).expect("config");
    let (relay, url) = spawn_logging(&provider, dir.path(), level).await;
    let url = url.expect("the relay starts");
    Rig {
        provider,
        dir,
        relay,
        url,
    }
}

fn client(url: &str, credential: &str, transport: Arc<dyn HttpTransport>) -> RelayClient {
    RelayClient::new(url, credential, Arc::new(SystemClock), transport)
}

async fn metrics(url: &str) -> (String, String) {
    let answer = reqwest::get(format!("{url}/metrics"))
        .await
        .expect("metrics answer");
    let content_type = answer
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (content_type, answer.text().await.expect("text"))
}

/// The value of the series whose line starts with `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

async fn scope_of(provider: &MockProvider, token: &str) -> String {
    let body: Value = reqwest::Client::new()
        .get(provider.tokeninfo_url())
        .query(&[("access_token", token)])
        .send()
        .await
        .expect("tokeninfo")
        .json()
        .await
        .expect("json");
    body["scope"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_relay_process_serves_down_scoped_tokens_and_prometheus_metrics() {
    let rig = rig().await;
    let transport: Arc<dyn HttpTransport> = Arc::new(ReqwestTransport::new());
    let reader = client(&rig.url, READER, transport.clone())
        .token()
        .await
        .expect("a reader token");
    assert_eq!(
        scope_of(&rig.provider, reader.access_token.expose_secret()).await,
        READONLY
    );
    let robot = client(&rig.url, ROBOT_READER, transport.clone())
        .token()
        .await
        .expect("a service-account token");
    assert_eq!(robot.scopes, vec![READONLY.to_owned()]);
    let refused = client(&rig.url, READER, transport)
        .with_scopes([SEND])
        .token()
        .await
        .expect_err("outside the role");
    assert!(
        matches!(&refused, RelayClientError::Refused { status: 403, error } if error == "scope_not_allowed"),
        "{refused:?}"
    );
    assert!(!refused.is_retryable());

    let (content_type, text) = metrics(&rig.url).await;
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    assert!(
        text.contains("# TYPE oauth_relay_token_latency_seconds histogram"),
        "{text}"
    );
    let count = sample(
        &text,
        "oauth_relay_token_latency_seconds_count{role=\"reader\"}",
    );
    // The refusal never reached the broker: one timed acquisition.
    assert_eq!(count, Some(1.0), "{text}");
    let slowest = sample(
        &text,
        "oauth_relay_token_latency_seconds_bucket{role=\"reader\",le=\"+Inf\"}",
    );
    assert_eq!(slowest, Some(1.0), "{text}");
    assert_eq!(
        sample(&text, "oauth_relay_consecutive_failures{role=\"reader\"}"),
        Some(0.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "oauth_relay_alerting{role=\"robot-reader\"}"),
        Some(0.0)
    );
    // Nothing secret is exported.
    let refresh = rig.provider.refresh_token(ALICE).expect("seeded");
    for secret in [
        refresh.expose_secret(),
        reader.access_token.expose_secret(),
        READER,
        ROBOT_READER,
    ] {
        assert!(!text.contains(secret), "a secret in /metrics");
    }
}

#[tokio::test]
async fn a_failing_upstream_raises_the_alert_on_metrics_and_consumers_get_typed_retryable_errors() {
    let rig = rig().await;
    let _storm = rig
        .provider
        .mount(Fault::on(Endpoint::Token).server_error(503));
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    // Each real acquisition fails; asks inside the broker's backoff are told
    // so without one. Two failures in a row raise the alert (alert_after = 2).
    let text = loop {
        let answer = http
            .post(format!("{}/v1/token", rig.url))
            .bearer_auth(SENDER)
            .send()
            .await
            .expect("the relay answers");
        assert_eq!(answer.status(), 503);
        let wait: u64 = answer
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("a Retry-After");
        let body: Value = answer.json().await.expect("json");
        assert_eq!(
            (body["error"].as_str(), body["retryable"].as_bool()),
            (Some("upstream_unavailable"), Some(true))
        );
        let (_, text) = metrics(&rig.url).await;
        if sample(&text, "oauth_relay_alerting{role=\"sender\"}") == Some(1.0) {
            break text;
        }
        assert!(Instant::now() < deadline, "no alert: {text}");
        tokio::time::sleep(Duration::from_secs(wait) + Duration::from_millis(300)).await;
    };
    assert!(
        sample(&text, "oauth_relay_consecutive_failures{role=\"sender\"}") >= Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "oauth_relay_alerts_total{role=\"sender\"}"),
        Some(1.0)
    );
    let failed = sample(
        &text,
        "oauth_relay_requests_total{role=\"sender\",outcome=\"failed\"}",
    );
    assert!(failed.is_some_and(|n| n >= 2.0), "{text}");
    let health: Value = reqwest::get(format!("{}/v1/health", rig.url))
        .await
        .expect("health")
        .json()
        .await
        .expect("json");
    assert_eq!(health["status"], "alerting");

    // The consumer's client: a typed, retryable error, then nothing sent
    // while its backoff lasts.
    let counting = Arc::new(Counting::default());
    let sender = client(&rig.url, SENDER, counting.clone());
    let error = sender.token().await.expect_err("upstream down");
    let RelayClientError::Unavailable { retry_after } = error else {
        panic!("{error:?}");
    };
    assert!(retry_after >= Duration::from_secs(1));
    for _ in 0..50 {
        assert!(sender.token().await.expect_err("gated").is_retryable());
    }
    assert_eq!(
        counting.sent.load(Ordering::SeqCst),
        1,
        "no request in the backoff"
    );
}

#[tokio::test]
async fn consumers_fail_fast_while_the_relay_process_is_killed_and_recover_after_a_restart() {
    let mut rig = rig().await;
    let counting = Arc::new(Counting::default());
    let reader = client(&rig.url, READER, counting.clone());
    let first = reader.token().await.expect("relay up");
    rig.relay.kill().await.expect("SIGKILL");

    // Unexpired, so still served from the client's cache.
    let cached = reader.token().await.expect("cached");
    assert_eq!(
        cached.access_token.expose_secret(),
        first.access_token.expose_secret()
    );
    reader.forget().await;
    let error = reader.token().await.expect_err("relay down");
    assert!(error.is_retryable(), "{error:?}");
    let RelayClientError::Unavailable { retry_after } = error else {
        panic!("{error:?}");
    };
    let sent = counting.sent.load(Ordering::SeqCst);
    for _ in 0..50 {
        assert!(reader.token().await.expect_err("gated").is_retryable());
    }
    assert_eq!(counting.sent.load(Ordering::SeqCst), sent, "no retry loop");

    let (relay, url) = spawn(&rig.provider, rig.dir.path()).await;
    rig.relay = relay;
    assert_eq!(url.expect("restarts"), rig.url);
    tokio::time::sleep(retry_after + Duration::from_millis(200)).await;
    let again = reader.token().await.expect("back after the restart");
    assert_eq!(
        scope_of(&rig.provider, again.access_token.expose_secret()).await,
        READONLY
    );
}

#[tokio::test]
async fn a_bad_config_stops_the_process_naming_the_field_and_never_a_secret() {
    let provider = provider().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let good = config(&provider, "127.0.0.1:0").replace(
        "[[service_accounts]]\nname = \"robot\"\nkey_file = \"robot-key.json\"\nscopes = [\"https://www.googleapis.com/auth/gmail.readonly\"]\n",
        "",
    );
    let good = good.replace(
        "[[roles]]\nname = \"robot-reader\"\naccount = \"robot\"\nscopes = [\"https://www.googleapis.com/auth/gmail.readonly\"]\n",
        "",
    );
    for (text, field) in [
        (
            good.replace("alert_after = 2", "alert_afterr = 2"),
            "alert_afterr",
        ),
        (
            good.replace("alert_after = 2", "alert_after = 0"),
            "alert_after",
        ),
        (
            good.replace("account = \"alice@example.com\"", "account = \"carol\""),
            "roles[0].account",
        ),
        (
            good.replace("READER_SECRET", "NO_SUCH_VARIABLE"),
            "consumers[0].credential_env",
        ),
    ] {
        std::fs::write(dir.path().join("relay.toml"), &text).expect("config");
        let (mut child, uri) = spawn(&provider, dir.path()).await;
        let stderr = uri.expect_err("refused");
        let status = child.wait().await.expect("exits");
        assert_eq!(status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&format!("`{field}`")), "{field}: {stderr}");
        for secret in [READER, SENDER] {
            assert!(!stderr.contains(secret), "a secret in the error: {stderr}");
        }
    }
}

#[tokio::test]
async fn at_trace_level_the_relay_logs_no_credential_key_or_token() {
    let mut rig = rig_logging("trace").await;
    let stderr = rig.relay.stderr.take().expect("stderr");
    // Read as it comes, so the pipe never fills and stalls the relay.
    let log = tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let mut log = String::new();
        let _ = BufReader::new(stderr).read_to_string(&mut log).await;
        log
    });
    let transport: Arc<dyn HttpTransport> = Arc::new(ReqwestTransport::new());
    let reader = client(&rig.url, READER, transport.clone()).token().await;
    let robot = client(&rig.url, ROBOT_READER, transport.clone())
        .token()
        .await;
    assert!(reader.is_ok() && robot.is_ok(), "{reader:?} {robot:?}");
    let outside = client(&rig.url, READER, transport.clone())
        .with_scopes([SEND])
        .token()
        .await;
    assert!(outside.is_err(), "a scope outside the role");
    let stranger = client(
        &rig.url,
        "not-a-consumer-0123456789abcdef",
        transport.clone(),
    )
    .token()
    .await;
    assert!(stranger.is_err(), "an unknown credential");
    let storm = rig
        .provider
        .mount(Fault::on(Endpoint::Token).server_error(503));
    let failed = client(&rig.url, SENDER, transport).token().await;
    assert!(failed.is_err(), "the upstream is down");
    drop(storm);
    rig.relay.kill().await.expect("SIGKILL");
    let log = log.await.expect("stderr read");
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "trace logging was on ({} bytes)",
        log.len()
    );
    let mut secrets: Vec<(String, String)> = rig
        .provider
        .secrets()
        .snapshot()
        .into_iter()
        .map(|secret| {
            let kind = format!("{:?}", secret.kind);
            (kind, secret.value.expose_secret().to_owned())
        })
        .collect();
    for credential in [READER, SENDER, ROBOT_READER] {
        secrets.push(("consumer credential".to_owned(), credential.to_owned()));
    }
    for line in PRIVATE_KEY
        .lines()
        .filter(|line| !line.starts_with("-----"))
    {
        secrets.push(("private key line".to_owned(), line.to_owned()));
    }
    assert!(secrets.len() > 10, "tokens were issued: {}", secrets.len());
    for (what, value) in &secrets {
        // The message names the kind, never the value.
        assert!(!log.contains(value.as_str()), "a {what} in the relay's log");
    }
}
