//! The JSON-RPC process binding: a real adapter in another language runs
//! the token-only scenarios, and brokers that crash, hang or speak bad JSON
//! are reported as such without hanging the harness.

mod support;

use harness::broker::ProcessBroker;
use harness::choice::BrokerChoice;
use harness::run::Verdict;
use std::sync::Arc;
use std::time::Duration;

fn scripted(script: &str) -> BrokerChoice {
    BrokerChoice::custom(Arc::new(
        ProcessBroker::command(format!("sh -c '{script}'"))
            .with_call_timeout(Duration::from_millis(500)),
    ))
}

#[test]
fn the_python_minimal_adapter_passes_token_scenarios_at_google_token_lifetimes() {
    let python = support::python_minimal();
    for file in [
        "token-basics.toml",
        "revoked-mid-run.toml",
        "kill-9-restart.toml",
    ] {
        let (outcome, record) = support::run_file(file, &python);
        assert_eq!(
            outcome.verdict,
            Verdict::Passed,
            "{file}: {:#?} {:?}",
            outcome.violations,
            record.broker_problems
        );
        assert!(record.history.served().any(|s| s.result.is_ok()), "{file}");
        let log = String::from_utf8_lossy(&record.broker_log);
        assert!(log.contains("python-minimal: refreshed"), "{log}");
    }
}

#[test]
fn a_broker_that_exits_at_once_is_reported_as_crashed() {
    let (outcome, _) = support::run_file("token-basics.toml", &scripted("exit 3"));
    assert_eq!(outcome.verdict, Verdict::Failed);
    assert!(outcome.violated("broker_responsive"), "{outcome:?}");
    assert!(
        outcome.violations[0]
            .message
            .contains("could not be started"),
        "{:?}",
        outcome.violations
    );
}

#[test]
fn a_broker_that_speaks_bad_json_is_reported_as_a_protocol_failure() {
    let (outcome, _) = support::run_file(
        "token-basics.toml",
        &scripted("read l; echo this-is-not-json; cat >/dev/null"),
    );
    assert_eq!(outcome.verdict, Verdict::Failed);
    let message = &outcome.violations[0].message;
    assert!(message.contains("Protocol"), "{message}");
}

#[test]
fn a_broker_that_never_answers_times_out_instead_of_hanging() {
    let (outcome, _) = support::run_file("token-basics.toml", &scripted("cat >/dev/null"));
    assert_eq!(outcome.verdict, Verdict::Failed);
    let message = &outcome.violations[0].message;
    assert!(message.contains("Timeout"), "{message}");
}

#[test]
fn a_broker_that_crashes_mid_run_fails_broker_responsive() {
    // Answers initialize, then dies on the first access_token.
    let script = r#"read l; echo "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"capabilities\":[\"access_token\"]}}"; read l; exit 1"#;
    let (outcome, record) = support::run_file("token-basics.toml", &scripted(script));
    assert_eq!(outcome.verdict, Verdict::Failed, "{outcome:?}");
    assert!(outcome.violated("broker_responsive"));
    assert!(
        record
            .history
            .served()
            .all(|s| s.result == Err(harness::broker::FailureKind::Crashed)),
        "every call after the crash fails as Crashed"
    );
}

#[test]
fn answers_out_of_order_are_matched_by_id() {
    // A broker that answers two requests in reverse order.
    let script = r#"read a; echo "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"capabilities\":[\"access_token\"]}}"; read b; read c; echo "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"access_token\":\"second\"}}"; echo "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"access_token\":\"first\"}}"; cat >/dev/null"#;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let factory = ProcessBroker::command(format!("sh -c '{script}'"))
            .with_call_timeout(Duration::from_secs(5));
        let env = support::offline_env();
        let broker = harness::broker::BrokerFactory::build(&factory, env)
            .await
            .expect("initialize answered");
        let (first, second) = tokio::join!(broker.access_token("a", None), async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            broker.access_token("b", None).await
        });
        use secrecy::ExposeSecret;
        assert_eq!(first.expect("answered").expose_secret(), "first");
        assert_eq!(second.expect("answered").expose_secret(), "second");
        broker.shutdown().await;
    });
}

#[test]
fn a_late_answer_to_a_timed_out_call_is_scanned_without_its_token() {
    // Answers initialize, then the first access_token only after the call
    // timed out; its token must not reach the transcript the leak scan reads.
    let script = r#"read a; echo "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"capabilities\":[\"access_token\"]}}"; read b; sleep 1; echo "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"access_token\":\"ya29.late-token\"}}"; cat >/dev/null"#;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let factory = ProcessBroker::command(format!("sh -c '{script}'"))
            .with_call_timeout(Duration::from_millis(300));
        let broker = harness::broker::BrokerFactory::build(&factory, support::offline_env())
            .await
            .expect("initialize answered");
        let late = broker.access_token("a", None).await;
        assert_eq!(
            late.map(|_| ()).map_err(|f| f.kind),
            Err(harness::broker::FailureKind::Timeout)
        );
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let answers = broker
            .captured_answers()
            .expect("a process keeps its answers");
        let answers = String::from_utf8_lossy(&answers);
        assert!(
            answers.contains("\"id\":2"),
            "the late answer is kept: {answers}"
        );
        assert!(!answers.contains("late-token"), "{answers}");
        assert!(
            broker
                .problems()
                .iter()
                .any(|p| p.contains("late answer to timed-out id 2")),
            "{:?}",
            broker.problems()
        );
        broker.shutdown().await;
    });
}

#[test]
fn a_restart_kills_the_process_and_initializes_a_new_one_with_the_same_params() {
    let (outcome, record) = support::run_file("kill-9-restart.toml", &support::reference_broker());
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
    let log = String::from_utf8_lossy(&record.broker_log);
    assert_eq!(log.matches("initialized").count(), 3, "two restarts: {log}");
    let first_event = record.history.timeline().next().expect("a restart").at;
    assert!(
        record
            .history
            .served()
            .filter(|s| s.requested_at > first_event)
            .any(|s| s.result.is_ok()),
        "served again after the restart"
    );
}

#[test]
fn a_broker_declining_the_store_kind_gets_the_scenario_as_not_applicable_not_failed() {
    let path = support::library().join("token-basics.toml");
    let mut scenario = harness::scenario::load_file(&path).expect("loads");
    scenario.broker.store = "sqlite".to_owned();
    let (outcome, _) =
        harness::run::run_scenario(&path, &scenario, &support::python_minimal(), None)
            .expect("runs");
    assert_eq!(outcome.verdict, Verdict::NotApplicable, "{outcome:?}");
    assert!(
        outcome.note.unwrap_or_default().contains("store kind"),
        "the note names why"
    );
    // A database URL's password never comes back in the adapter's answer.
    scenario.broker.store = "postgresql://app:hunter2-secret@127.0.0.1:1/x".to_owned();
    let (declined, record) =
        harness::run::run_scenario(&path, &scenario, &support::python_minimal(), None)
            .expect("runs");
    let note = declined.note.clone().unwrap_or_default();
    assert_eq!(declined.verdict, Verdict::NotApplicable, "{declined:?}");
    assert!(
        note.contains("`postgresql`") && !note.contains("hunter2"),
        "{note}"
    );
    assert!(
        !String::from_utf8_lossy(&record.broker_log).contains("hunter2"),
        "the adapter logged the password"
    );
    // A broker failing to start for any other reason still fails the run.
    let (crashed, _) = support::run_file("token-basics.toml", &scripted("exit 3"));
    assert!(crashed.violated("broker_responsive"));
}
