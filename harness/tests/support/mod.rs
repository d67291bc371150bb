//! Shared test helpers: the scenario library and the reference broker binary.

#![allow(dead_code, reason = "each test file uses a different subset")]

use harness::broker::ProcessBroker;
use harness::choice::BrokerChoice;
use harness::run::{RunOutcome, RunRecord, run_scenario};
use harness::scenario::{Scenario, load_file, load_paths};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, OnceLock};

/// The scenario library folder.
pub fn library() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

/// Every scenario of the library, with its path.
pub fn scenarios() -> Vec<(PathBuf, Scenario)> {
    load_paths(&[library()]).expect("the library loads")
}

/// Runs one library file against a broker.
pub fn run_file(file: &str, broker: &BrokerChoice) -> (RunOutcome, RunRecord) {
    let path = library().join(file);
    let scenario = load_file(&path).expect("the scenario loads");
    run_scenario(&path, &scenario, broker, None).expect("the run completes")
}

/// Builds `reference-broker` once (cargo does not build other packages'
/// binaries for this crate's tests) and returns its path.
pub fn reference_broker_binary() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let mut cargo = Command::new(env!("CARGO"));
        // cargo runs tests with the package's own variables set
        // (CARGO_MANIFEST_DIR, CARGO_PKG_NAME, ...), and ring's build script
        // reruns when they change: inherited, they would make this build,
        // and the next outer one, recompile ring and everything above it
        // (about two minutes each here). Cargo's own settings stay.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            let per_package = ["CARGO_PKG_", "CARGO_BIN_EXE_"]
                .iter()
                .any(|prefix| name.starts_with(prefix))
                || [
                    "CARGO_MANIFEST_DIR",
                    "CARGO_MANIFEST_PATH",
                    "CARGO_MANIFEST_LINKS",
                    "CARGO_CRATE_NAME",
                    "CARGO_BIN_NAME",
                    "CARGO_PRIMARY_PACKAGE",
                    "CARGO_TARGET_TMPDIR",
                    "OUT_DIR",
                ]
                .contains(&name.as_ref());
            if per_package {
                cargo.env_remove(name.as_ref());
            }
        }
        let output = cargo
            .args([
                "build",
                "-q",
                "-p",
                "reference-impl",
                "--bin",
                "reference-broker",
                // Its relay, found beside it (`ProcessBroker::reference_at`).
                "--bin",
                "token-relay",
                "--message-format=json",
            ])
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .output()
            .expect("cargo runs");
        assert!(
            output.status.success(),
            "building reference-broker failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter_map(|message| message["executable"].as_str().map(PathBuf::from))
            .rfind(|path| path.ends_with("reference-broker"))
            .expect("cargo reports the reference-broker executable")
    })
    .clone()
}

/// The `token-relay` built beside [`reference_broker_binary`].
pub fn token_relay_binary() -> PathBuf {
    reference_broker_binary().with_file_name("token-relay")
}

/// `--broker reference-broker`, pointing at the freshly built binary.
pub fn reference_broker() -> BrokerChoice {
    BrokerChoice::custom(Arc::new(ProcessBroker::reference_at(
        reference_broker_binary(),
    )))
}

/// `--broker 'cmd:env FAKETIME_DONT_FAKE_MONOTONIC=0 python3
/// examples/adapters/python-minimal/broker.py'`, as its README runs it
/// (Python's GIL and `time.sleep` need libfaketime to move the monotonic
/// clock too: docs/PROTOCOL.md, "Time").
pub fn python_minimal() -> BrokerChoice {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/adapters/python-minimal/broker.py");
    BrokerChoice::custom(Arc::new(ProcessBroker::command(format!(
        "env FAKETIME_DONT_FAKE_MONOTONIC=0 python3 '{}'",
        script.display()
    ))))
}

/// A `BrokerEnv` for binding tests that reach no provider: endpoints on a
/// closed loopback port, a memory store, no accounts.
pub fn offline_env() -> harness::broker::BrokerEnv {
    harness::broker::BrokerEnv {
        instance: 0,
        seed: 1,
        clock: Arc::new(reference_impl::SystemClock),
        transport: Arc::new(reference_impl::ReqwestTransport::new()),
        token_url: "http://127.0.0.1:9/token".into(),
        auth_url: "http://127.0.0.1:9/o/oauth2/v2/auth".into(),
        revoke_url: "http://127.0.0.1:9/revoke".into(),
        gmail_base: "http://127.0.0.1:9/gmail/v1".into(),
        client_id: "client".into(),
        client_secret: "secret".to_owned().into(),
        scopes: Vec::new(),
        accounts: Vec::new(),
        store: "memory".into(),
        shared: harness::broker::RunShared::default(),
        redirect_url: "http://127.0.0.1/callback".into(),
        http_timeout: std::time::Duration::from_secs(30),
    }
}
