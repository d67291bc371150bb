//! Clock skew for broker processes: libfaketime moves a process's wall
//! clock, `skew_clock`/`jump_clock` steps reach it, a restart keeps it, and
//! the real-mode clock scenarios catch a broker that trusts its clock
//! (tests/library.rs runs them against the reference-broker process).
//!
//! Without libfaketime these tests skip (saying so), except under `CI=true`,
//! where .ci/run installs it and a missing library is a failure.

mod support;

use harness::broker::{
    BROKER_CLOCK_CONTROL, BrokerClockControl, BrokerEnv, BrokerFactory, BrokerInstance,
    ProcessBroker, RunShared,
};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// libfaketime's path, or `None` to skip (a failure under `CI=true`).
fn libfaketime_or_skip() -> Option<PathBuf> {
    let found = harness::broker::libfaketime();
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and libfaketime is missing: {}",
            harness::broker::MISSING_LIBFAKETIME
        );
        eprintln!("skipping: {}", harness::broker::MISSING_LIBFAKETIME);
    }
    found
}

fn unix_now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    i64::try_from(secs).expect("fits")
}

/// A broker in four lines of shell: every request is answered with the
/// capabilities and, as its "access token", the process's `date +%s`.
fn date_broker(dir: &tempfile::TempDir) -> ProcessBroker {
    let script = dir.path().join("date-broker.sh");
    std::fs::write(
        &script,
        r#"while read -r line; do
  id=$(printf %s "$line" | sed 's/.*"id":\([0-9][0-9]*\).*/\1/')
  printf '{"jsonrpc":"2.0","id":%s,"result":{"capabilities":["access_token"],"access_token":"%s"}}\n' "$id" "$(date +%s)"
done
"#,
    )
    .expect("script written");
    ProcessBroker::command(format!("sh '{}'", script.display()))
}

fn env_with_clock_control(libfaketime: PathBuf) -> BrokerEnv {
    let env = support::offline_env();
    env.shared
        .get_or_create(BROKER_CLOCK_CONTROL, || BrokerClockControl { libfaketime });
    env
}

/// How far the process's clock is from ours, in seconds.
async fn process_clock_offset(broker: &Arc<dyn BrokerInstance>) -> i64 {
    let answer = broker
        .access_token("any", None)
        .await
        .expect("the script answers");
    let theirs: i64 = answer.expose_secret().parse().expect("a unix time");
    theirs - unix_now()
}

fn near(actual: i64, expected: i64) -> bool {
    (actual - expected).abs() <= 2
}

#[tokio::test]
async fn a_process_broker_sees_skews_and_jumps_of_its_clock_and_keeps_them_across_a_restart() {
    let Some(libfaketime) = libfaketime_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let broker = date_broker(&dir)
        .build(env_with_clock_control(libfaketime))
        .await
        .expect("the script initializes");
    let start = process_clock_offset(&broker).await;
    assert!(near(start, 0), "starts on true time, was {start}s off");

    broker.set_clock_offset(-600_000).expect("skewed");
    let behind = process_clock_offset(&broker).await;
    assert!(near(behind, -600), "10 minutes behind, was {behind}s");

    // A jump of an hour forward on top of the skew.
    broker.set_clock_offset(3_000_000).expect("jumped");
    let jumped = process_clock_offset(&broker).await;
    assert!(near(jumped, 3000), "50 minutes ahead, was {jumped}s");

    broker.restart().await.expect("restarted");
    let restarted = process_clock_offset(&broker).await;
    assert!(
        near(restarted, 3000),
        "the respawned process keeps the offset, was {restarted}s"
    );
    broker.shutdown().await;
}

#[tokio::test]
async fn without_clock_control_a_process_broker_refuses_to_pretend_its_clock_moved() {
    let mut env = env_with_clock_control(PathBuf::from("/nonexistent"));
    env.shared = RunShared::default();
    let dir = tempfile::tempdir().expect("temp dir");
    let broker = date_broker(&dir).build(env).await.expect("initializes");
    let refused = broker
        .set_clock_offset(600_000)
        .expect_err("no libfaketime, no skew");
    assert!(refused.message.contains("faketime"), "{}", refused.message);
    broker.shutdown().await;
}

/// One JSON-RPC exchange over a child's stdio.
async fn call(
    stdin: &mut tokio::process::ChildStdin,
    stdout: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    id: u64,
    method: &str,
    params: Value,
) -> Value {
    let line = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    stdin
        .write_all(format!("{line}\n").as_bytes())
        .await
        .expect("writes");
    let answer = tokio::time::timeout(Duration::from_secs(10), stdout.next_line())
        .await
        .expect("answers in time")
        .expect("reads")
        .expect("a line");
    let answer: Value = serde_json::from_str(&answer).expect("json");
    answer["result"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_broker_reads_its_coarse_clock_through_libfaketime() {
    let Some(libfaketime) = libfaketime_or_skip() else {
        return;
    };
    let provider = mock_provider::MockProvider::builder()
        .account("alice@example.com")
        .start()
        .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let offset_file = dir.path().join("faketimerc");
    std::fs::write(&offset_file, "-600\n").expect("offset written");
    let mut child = tokio::process::Command::new(support::reference_broker_binary())
        .env("LD_PRELOAD", &libfaketime)
        .env("FAKETIME_TIMESTAMP_FILE", &offset_file)
        .env("FAKETIME_NO_CACHE", "1")
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("reference-broker starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let refresh_token = provider
        .refresh_token("alice@example.com")
        .expect("consented");
    let params = json!({
        "protocol_version": 1,
        "provider": {"token_url": provider.token_url()},
        "client": {"id": provider.client_id(), "secret": provider.client_secret().expose_secret()},
        "accounts": [{"account": "alice@example.com", "refresh_token": refresh_token.expose_secret()}],
        "store": {"kind": "memory"},
    });
    call(&mut stdin, &mut stdout, 1, "initialize", params).await;
    let token = call(
        &mut stdin,
        &mut stdout,
        2,
        "access_token",
        json!({"account": "alice@example.com"}),
    )
    .await;
    assert!(token["access_token"].is_string(), "{token}");
    let status = call(&mut stdin, &mut stdout, 3, "status", json!({})).await;
    let last_refresh = status["accounts"][0]["last_refresh"]
        .as_i64()
        .or_else(|| {
            status["accounts"][0]["last_refresh"]
                .as_f64()
                .map(|f| f as i64)
        })
        .unwrap_or_else(|| panic!("status reports last_refresh: {status}"));
    let offset = last_refresh - unix_now();
    assert!(
        (offset + 600).abs() <= 5,
        "the broker's SystemClock (CLOCK_REALTIME_COARSE) read 10 minutes behind, was {offset}s"
    );
}

#[test]
fn a_broker_keeping_expiry_as_a_wall_clock_instant_fails_when_its_clock_steps_back() {
    if libfaketime_or_skip().is_none() {
        return;
    }
    // The python adapter stores `expires_at = time.time() + expires_in`:
    // after its clock steps back an hour it serves a dead token for an hour.
    let (outcome, _) = support::run_file(
        "broker-clock-jumps-back.toml",
        &python_minimal_under_faketime(),
    );
    assert!(!outcome.violated("broker_responsive"), "{outcome:?}");
    assert!(
        outcome.violated("proactive_refresh"),
        "{:?}: {:#?}",
        outcome.verdict,
        outcome.violations
    );
}

/// Runs the CLI on one library file against the reference-broker process
/// with libfaketime pointed at nothing; returns the exit code and the JSON.
fn run_without_libfaketime(file: &str, ci: bool) -> (Option<i32>, Value) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_oauth-chaos"));
    command
        .args(["run", "--broker", "reference-broker", "--format", "json"])
        .arg(support::library().join(file))
        .env(
            "OAUTH_CHAOS_REFERENCE_BROKER",
            support::reference_broker_binary(),
        )
        .env("OAUTH_CHAOS_LIBFAKETIME", "/nonexistent/libfaketime.so.1")
        .env_remove("CI");
    if ci {
        command.env("CI", "true");
    }
    let output = command.output().expect("oauth-chaos runs");
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "json report ({error}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (output.status.code(), report)
}

#[test]
fn clock_steps_for_a_process_broker_are_not_applicable_without_libfaketime() {
    let (code, report) = run_without_libfaketime("broker-clock-10m-behind.toml", false);
    let outcome = &report["outcomes"][0];
    assert_eq!(outcome["verdict"], "not_applicable", "{report}");
    let note = outcome["note"].as_str().unwrap_or_default();
    assert!(note.contains("`faketime`"), "names the package: {note}");
    assert_eq!(code, Some(0));
}

#[test]
fn under_ci_a_missing_libfaketime_fails_the_scenario_instead_of_skipping_it() {
    let (code, report) = run_without_libfaketime("broker-clock-10m-ahead.toml", true);
    let outcome = &report["outcomes"][0];
    assert_eq!(outcome["verdict"], "failed", "{report}");
    assert!(
        outcome["violations"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("faketime")),
        "{report}"
    );
    assert_eq!(code, Some(1));
}

const REAL_WITH: &str = r#"
name = "real-clock"
mode = "real"
duration = "5s"

[[timeline]]
at = "1s"
action.STEP

[[timeline]]
at = "0s"
action.token_requests = { account = "alice@example.com", callers = 3 }
"#;

#[test]
fn real_mode_scenarios_may_skew_and_jump_broker_clocks_but_not_pause_a_process() {
    for step in [
        r#"skew_clock = { of = "broker", by = "10m", ahead = false }"#,
        r#"jump_clock = { of = "broker", by = "1h", forward = false }"#,
    ] {
        let text = REAL_WITH.replace("STEP", step);
        harness::scenario::parse_scenario(&text, "r.toml")
            .expect("clock steps are fine in real mode");
    }
    let text = REAL_WITH.replace("STEP", r#"pause = { instance = 0, for = "1s" }"#);
    let message = harness::scenario::parse_scenario(&text, "r.toml")
        .unwrap_err()
        .to_string();
    assert!(message.contains("pause"), "{message}");
}

/// `python-minimal` keeping expiry on the provider's clock (the Date header
/// plus `expires_in`) and reading it against its own.
fn absolute_expiry_broker() -> harness::choice::BrokerChoice {
    python_under_faketime(
        &support::library().join("../harness/tests/support/absolute_expiry_broker.py"),
    )
}

/// A Python broker with its monotonic clock faked too: libfaketime 0.9.10
/// mishandles absolute monotonic waits under `FAKETIME_DONT_FAKE_MONOTONIC`
/// (Python 3.11's sleeps and lock waits), so Python adapters opt out of it
/// in their command (docs/SCENARIOS.md).
fn python_under_faketime(script: &std::path::Path) -> harness::choice::BrokerChoice {
    harness::choice::BrokerChoice::custom(Arc::new(ProcessBroker::command(format!(
        "env FAKETIME_DONT_FAKE_MONOTONIC=0 python3 '{}'",
        script.display()
    ))))
}

fn python_minimal_under_faketime() -> harness::choice::BrokerChoice {
    python_under_faketime(&support::library().join("../examples/adapters/python-minimal/broker.py"))
}

#[test]
fn a_python_broker_with_relative_expiry_passes_the_skewed_clock_scenarios() {
    if libfaketime_or_skip().is_none() {
        return;
    }
    for file in [
        "broker-clock-10m-behind.toml",
        "broker-clock-10m-ahead.toml",
    ] {
        let (outcome, _) = support::run_file(file, &python_minimal_under_faketime());
        assert_eq!(
            outcome.verdict,
            harness::run::Verdict::Passed,
            "{file}: {:#?}",
            outcome.violations
        );
    }
}

#[test]
fn a_broker_reading_provider_expiry_against_a_slow_clock_serves_dead_tokens() {
    if libfaketime_or_skip().is_none() {
        return;
    }
    let (outcome, _) = support::run_file("broker-clock-10m-behind.toml", &absolute_expiry_broker());
    assert!(!outcome.violated("broker_responsive"), "{outcome:?}");
    assert!(
        outcome.violated("proactive_refresh"),
        "{:?}: {:#?}",
        outcome.verdict,
        outcome.violations
    );
}

#[test]
fn a_broker_reading_provider_expiry_against_a_fast_clock_refreshes_ten_minutes_early() {
    if libfaketime_or_skip().is_none() {
        return;
    }
    // With 3599 s tokens a clock 10 minutes fast only moves the refresh
    // point 10 minutes earlier (with the old 3 s tokens it refreshed on
    // every call): the scenario passes, and the journal shows the flaw.
    let (outcome, record) =
        support::run_file("broker-clock-10m-ahead.toml", &absolute_expiry_broker());
    assert_eq!(
        outcome.verdict,
        harness::run::Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
    let issued: Vec<std::time::SystemTime> = record
        .journal
        .iter()
        .filter(|e| e.is_refresh())
        .filter_map(|e| e.issued.as_ref().map(|t| t.issued_at))
        .collect();
    assert!(issued.len() >= 4, "{issued:?}");
    for pair in issued.windows(2) {
        let age = pair[1].duration_since(pair[0]).expect("in order");
        // Refreshed at ~49 min (59m59s less 10 min less its 60 s margin),
        // where python-minimal with a relative expiry refreshes at ~59 min.
        assert!(
            age < std::time::Duration::from_secs(52 * 60)
                && age > std::time::Duration::from_secs(45 * 60),
            "token age at refresh {age:?}"
        );
    }
}

#[test]
fn the_same_flawed_broker_passes_when_its_clock_is_right() {
    // Without skew the flaw is invisible: the tests above fail because of
    // the clock, not because the wrapper is broken.
    let (outcome, _) = support::run_file("token-basics.toml", &absolute_expiry_broker());
    assert_eq!(
        outcome.verdict,
        harness::run::Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
}

/// A broker process that writes its wall clock (`clock_ms=…`, from `date`)
/// to stderr at every request, and answers like [`date_broker`].
fn clock_logging_broker(dir: &tempfile::TempDir) -> String {
    let script = dir.path().join("clock-logging-broker.sh");
    std::fs::write(
        &script,
        r#"while read -r line; do
  echo "clock_ms=$(date +%s%3N)" >&2
  id=$(printf %s "$line" | sed 's/.*"id":\([0-9][0-9]*\).*/\1/')
  printf '{"jsonrpc":"2.0","id":%s,"result":{"capabilities":["access_token"],"access_token":"t"}}\n' "$id"
done
"#,
    )
    .expect("script written");
    format!("cmd:sh '{}'", script.display())
}

fn unix_ms(at: SystemTime) -> i64 {
    let ms = at
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis();
    i64::try_from(ms).expect("fits")
}

#[test]
fn a_process_and_the_mock_read_one_clock_however_long_the_store_took_to_provision() {
    // PostgreSQL takes a second or more to provision; the run's timeline
    // must start after it, or the mock lags every process by that long.
    let text = r#"
name = "clock-after-provisioning"
mode = "real"
duration = "600ms"
[broker]
store = "postgres"
[[timeline]]
at = "0s"
every = "200ms"
until = "500ms"
action.token_requests = { account = "alice@example.com", callers = 1 }
"#;
    let scenario = harness::scenario::parse_scenario(text, "clock.toml").expect("parses");
    let dir = tempfile::tempdir().expect("temp dir");
    let broker =
        harness::choice::BrokerChoice::parse(&clock_logging_broker(&dir)).expect("a cmd broker");
    let (outcome, record) =
        harness::run::run_scenario(std::path::Path::new("clock.toml"), &scenario, &broker, None)
            .expect("runs");
    if outcome.verdict == harness::run::Verdict::NotApplicable {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true must fail, not skip: {:?}",
            outcome.note
        );
        eprintln!("skipping: {:?}", outcome.note);
        return;
    }
    let log = String::from_utf8_lossy(&record.broker_log);
    let readings: Vec<i64> = log
        .lines()
        .filter_map(|line| line.split("clock_ms=").nth(1))
        .filter_map(|ms| ms.trim().parse().ok())
        .collect();
    assert!(record.history.served().next().is_some(), "calls were made");
    // Each call's reading lies between its start and its answer on the
    // mock's clock (a little slack for `date`'s own start-up).
    for served in record.history.served() {
        let (from, to) = (unix_ms(served.requested_at), unix_ms(served.served_at));
        assert!(
            readings.iter().any(|&at| at >= from - 50 && at <= to + 50),
            "no process reading within the call [{from}, {to}] on the mock's clock: {readings:?}"
        );
    }
}
