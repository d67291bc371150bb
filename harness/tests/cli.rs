//! The `oauth-chaos` binary, run as a process.

use std::process::Command;

fn oauth_chaos(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_oauth-chaos"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("the binary runs")
}

#[test]
fn run_on_the_scenario_library_exits_zero_with_the_reference_broker() {
    let output = oauth_chaos(&["run", "scenarios/"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("PASS  thundering-herd"), "{stdout}");
    assert!(stdout.contains("0 failed"), "{stdout}");
}

#[test]
fn run_with_the_no_single_flight_mutant_exits_one_and_prints_the_replay_command() {
    let output = oauth_chaos(&["run", "scenarios/", "--broker", "mutant:no-single-flight"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL  thundering-herd"), "{stdout}");
    assert!(stdout.contains("single_flight_refresh"), "{stdout}");
    assert!(
        stdout.contains("replay: oauth-chaos run scenarios/"),
        "{stdout}"
    );
}

#[test]
fn strict_turns_an_unknown_scenario_into_a_failure() {
    // The naive broker has no mail side: the mail invariants are unknown.
    let args = [
        "run",
        "scenarios/gmail-send-ack-lost.toml",
        "--broker",
        "mutant:logs-token",
    ];
    let lenient = Command::new(env!("CARGO_BIN_EXE_oauth-chaos"))
        .args(args)
        .env_remove("CI")
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&lenient.stdout);
    assert_eq!(lenient.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("UNKN  gmail-send-ack-lost"), "{stdout}");
    assert!(stdout.contains("unknown no_lost_email"), "{stdout}");
    assert!(stdout.contains("1 unknown"), "{stdout}");

    let mut strict_args = args.to_vec();
    strict_args.push("--strict");
    let strict = oauth_chaos(&strict_args);
    let stdout = String::from_utf8_lossy(&strict.stdout);
    assert_eq!(strict.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL  gmail-send-ack-lost"), "{stdout}");
    assert!(
        stdout.contains("no_lost_email: could not be judged (`--strict`)"),
        "{stdout}"
    );
}

#[test]
fn an_unknown_broker_exits_two() {
    let output = oauth_chaos(&["run", "scenarios/", "--broker", "mutant:nope"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown broker `mutant:nope`"));
}

#[test]
fn a_bad_scenario_file_exits_two_naming_the_file() {
    let dir = std::env::temp_dir().join(format!("oauth-chaos-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("bad.toml");
    std::fs::write(&file, "name = \"x\"\nduration = \"1h\"\nsede = 3\n").expect("write");
    let output = oauth_chaos(&["run", file.to_str().expect("utf-8 path")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bad.toml:3:"), "{stderr}");
    assert!(stderr.contains("sede"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_committed_json_schema_matches_the_generated_one() {
    let output = oauth_chaos(&["schema"]);
    assert_eq!(output.status.code(), Some(0));
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/scenario.schema.json"
    ))
    .expect("docs/scenario.schema.json exists");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        committed,
        "regenerate it: oauth-chaos schema > docs/scenario.schema.json"
    );
}

#[test]
fn json_output_is_one_document_with_a_summary() {
    let output = oauth_chaos(&[
        "run",
        "scenarios/",
        "--filter",
        "thundering",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let value: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("stdout is one JSON document");
    assert_eq!(value["summary"]["passed"], 1);
    assert_eq!(value["outcomes"][0]["scenario"], "thundering-herd");
}

#[test]
fn junit_output_marks_a_mutant_failure_with_its_replay_command() {
    let output = oauth_chaos(&[
        "run",
        "scenarios/",
        "--filter",
        "thundering",
        "--broker",
        "mutant:no-single-flight",
        "--format",
        "junit",
    ]);
    let xml = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{xml}");
    assert!(
        xml.contains("<testsuite name=\"mutant:no-single-flight\""),
        "{xml}"
    );
    assert!(xml.contains("<failure"), "{xml}");
    assert!(xml.contains("replay: oauth-chaos run"), "{xml}");
}

#[test]
fn out_writes_a_self_contained_html_timeline_for_each_failing_run() {
    let dir = std::env::temp_dir().join(format!("oauth-chaos-out-{}", std::process::id()));
    let output = oauth_chaos(&[
        "run",
        "scenarios/revoked-mid-run.toml",
        "--broker",
        "mutant:silent-outage",
        "--out",
        dir.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let pages: Vec<_> = std::fs::read_dir(&dir)
        .expect("out dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    assert_eq!(pages.len(), 1, "{pages:?}");
    let html = std::fs::read_to_string(&pages[0]).expect("readable");
    assert!(html.contains("<svg") && html.contains("outage_surfaced"));
    assert!(
        html.contains("revoke_account"),
        "the revocation is on the axis"
    );
    assert!(
        !html.contains("src=") && !html.contains("<link"),
        "no external assets"
    );
    assert!(dir.join("junit.xml").is_file() && dir.join("results.json").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn replay_prints_the_journal_and_the_timeline_events() {
    let output = oauth_chaos(&["replay", "scenarios/revoked-mid-run.toml", "--seed", "3"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("journal ("), "{stdout}");
    assert!(stdout.contains("error=invalid_grant"), "{stdout}");
    assert!(
        stdout.contains("revoked 1 grant(s) of alice@example.com"),
        "{stdout}"
    );
}

#[test]
fn list_shows_scenarios_brokers_and_every_mutant() {
    let output = oauth_chaos(&["list"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("thundering-herd"), "{stdout}");
    assert!(stdout.contains("reference-broker"), "{stdout}");
    for mutant in harness::choice::MUTANTS {
        let name = mutant.name;
        assert!(stdout.contains(&format!("mutant:{name}")), "{stdout}");
    }
}

#[test]
fn serve_prints_a_loopback_uri_and_answers_on_it() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_oauth-chaos"))
        .args([
            "serve",
            "--account",
            "bob@example.com",
            "--access-token-ttl",
            "60s",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve starts");
    let stdout = child.stdout.take().expect("piped");
    let mut uri = String::new();
    let read = BufReader::new(stdout).read_line(&mut uri);
    let _ = child.kill();
    let _ = child.wait();
    read.expect("a line");
    assert!(uri.starts_with("http://127.0.0.1:"), "{uri}");
    assert!(!uri.contains("1//"), "no refresh token on stdout");
}

#[test]
fn out_keeps_each_process_instances_stderr_and_two_cmd_brokers_do_not_overwrite_each_other() {
    let out = tempfile::tempdir().expect("a temp dir");
    let dir = out.path().to_str().expect("utf-8 path");
    let adapter = "examples/adapters/python-minimal/broker.py";
    // Two commands that read alike for their first 40 characters.
    let brokers = [
        format!("cmd:env FAKETIME_DONT_FAKE_MONOTONIC=0 OAUTH_CHAOS_X=1 python3 {adapter}"),
        format!("cmd:env FAKETIME_DONT_FAKE_MONOTONIC=0 OAUTH_CHAOS_X=2 python3 {adapter}"),
    ];
    for broker in &brokers {
        let output = oauth_chaos(&[
            "run",
            "scenarios/kill-9-restart.toml",
            "--broker",
            broker,
            "--out",
            dir,
        ]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    let mut logs: Vec<_> = std::fs::read_dir(out.path())
        .expect("the folder is there")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".stderr.log"))
        .collect();
    logs.sort();
    assert_eq!(
        logs.len(),
        2,
        "one stderr per broker and instance: {logs:?}"
    );
    for name in &logs {
        assert!(
            name.starts_with("kill-9-restart--cmd-python3-broker.py-")
                && name.ends_with("--seed9999--instance0.stderr.log"),
            "{name}"
        );
        let log = std::fs::read_to_string(out.path().join(name)).expect("readable");
        // Both processes of the instance, and the kill between them.
        let lives: Vec<&str> = log.split("[oauth-chaos] SIGKILL").collect();
        assert_eq!(lives.len(), 3, "two restarts: {log}");
        assert!(
            lives
                .iter()
                .all(|life| life.contains("python-minimal: refreshed")),
            "{log}"
        );
    }
}

#[test]
fn jobs_run_scenarios_at_once_and_report_them_in_file_order_with_the_same_verdicts() {
    let files = [
        "scenarios/thundering-herd.toml",
        "scenarios/kill-9-restart.toml",
        "scenarios/revoked-mid-run.toml",
        "scenarios/forged-callback-state-and-replayed-code.toml",
    ];
    let report = |jobs: &str| {
        let mut args = vec!["run", "--format", "json", "--jobs", jobs];
        args.extend(files);
        let output = oauth_chaos(&args);
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("a JSON report");
        report["outcomes"]
            .as_array()
            .expect("outcomes")
            .iter()
            .map(|o| {
                (
                    o["path"].as_str().unwrap_or_default().to_owned(),
                    o["verdict"].as_str().unwrap_or_default().to_owned(),
                    o["journal_hash"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    let one = report("1");
    let four = report("4");
    assert_eq!(one.len(), files.len());
    for ((path, _, _), file) in one.iter().zip(files) {
        assert!(
            path.ends_with(file.trim_start_matches("scenarios/")),
            "{path}"
        );
    }
    // In process, on paused time: the same journals whatever the jobs.
    assert_eq!(one, four);
}

#[test]
fn jobs_must_be_at_least_one() {
    let output = oauth_chaos(&["run", "--jobs", "0", "scenarios/thundering-herd.toml"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("--jobs"));
}
