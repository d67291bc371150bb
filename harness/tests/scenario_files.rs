//! Bad scenario files get errors that name the file, the line and the field.

use harness::errors::ScenarioError;
use harness::scenario::{load_paths, parse_scenario};
use std::path::PathBuf;

const VALID: &str = r#"
name = "ok"
duration = "1h"

[[timeline]]
at = "0s"
action.token_requests = { account = "alice@example.com", callers = 3 }
"#;

#[test]
fn a_valid_file_parses() {
    let scenario = parse_scenario(VALID, "ok.toml").expect("valid");
    assert_eq!(scenario.timeline.len(), 1);
}

#[test]
fn a_typo_in_a_field_names_the_file_line_and_field() {
    let text = VALID.replace("callers = 3", "calers = 3");
    let error = parse_scenario(&text, "scenarios/typo.toml").unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, ScenarioError::Syntax { line: 7, .. }),
        "{error:?}"
    );
    assert!(message.starts_with("scenarios/typo.toml:7:"), "{message}");
    assert!(message.contains("calers"), "{message}");
}

#[test]
fn a_typo_in_a_top_level_key_is_rejected() {
    let text = VALID.replace("duration", "duraton");
    let message = parse_scenario(&text, "t.toml").unwrap_err().to_string();
    assert!(message.contains("t.toml:3:"), "{message}");
    assert!(message.contains("duraton"), "{message}");
}

#[test]
fn a_bad_duration_names_the_field() {
    let text = VALID.replace("\"1h\"", "\"one hour\"");
    let message = parse_scenario(&text, "d.toml").unwrap_err().to_string();
    assert!(message.contains("d.toml:3:"), "{message}");
}

#[test]
fn an_unknown_account_names_the_step_line_and_field() {
    let text = VALID.replace("alice@example.com", "mallory@example.com");
    let error = parse_scenario(&text, "a.toml").unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, ScenarioError::Invalid { line: 5, .. }),
        "{error:?}"
    );
    assert!(
        message.contains("timeline.action.token_requests.account"),
        "{message}"
    );
    assert!(message.contains("mallory@example.com"), "{message}");
}

#[test]
fn zero_callers_is_rejected() {
    let text = VALID.replace("callers = 3", "callers = 0");
    let message = parse_scenario(&text, "z.toml").unwrap_err().to_string();
    assert!(message.contains("callers"), "{message}");
}

#[test]
fn a_step_after_the_end_of_the_run_is_rejected() {
    let text = VALID.replace("at = \"0s\"", "at = \"2h\"");
    let message = parse_scenario(&text, "late.toml").unwrap_err().to_string();
    assert!(message.contains("timeline.at"), "{message}");
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let error = load_paths(&[PathBuf::from("no/such/scenario.toml")]).unwrap_err();
    assert!(matches!(error, ScenarioError::Io { .. }));
    assert!(error.to_string().contains("no/such/scenario.toml"));
}

#[test]
fn the_scenario_library_loads() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let scenarios = load_paths(&[dir]).expect("every library scenario is valid");
    assert!(!scenarios.is_empty());
}

#[test]
fn a_folder_walk_leaves_out_pending_but_a_pending_folder_named_runs() {
    let library = tempfile::tempdir().expect("a temp dir");
    for folder in ["regressions", "pending"] {
        let dir = library.path().join(folder);
        std::fs::create_dir(&dir).expect("a subfolder");
        std::fs::write(
            dir.join("x.toml"),
            VALID.replace("name = \"ok\"", &format!("name = \"{folder}\"")),
        )
        .expect("a scenario");
    }
    let names = |paths: &[PathBuf]| -> Vec<String> {
        load_paths(paths)
            .expect("loads")
            .into_iter()
            .map(|(_, scenario)| scenario.name)
            .collect()
    };
    assert_eq!(names(&[library.path().to_path_buf()]), ["regressions"]);
    assert_eq!(names(&[library.path().join("pending")]), ["pending"]);
}

/// The `fault` and `gmail_fault` steps are the mock's `FaultSpec`: the
/// ranges the admin API applies refuse a bad value when the file loads,
/// naming the step's field.
#[test]
fn fault_steps_meet_the_mocks_fault_ranges_when_the_file_loads() {
    let with = |action: &str| {
        VALID.replace(
            r#"action.token_requests = { account = "alice@example.com", callers = 3 }"#,
            action,
        )
    };
    let framing = with(
        r#"action.fault = { endpoint = "token", status = 503, headers = { "content-length" = "9" } }"#,
    );
    let message = parse_scenario(&framing, "f.toml").unwrap_err().to_string();
    assert!(
        message.contains("timeline.action.fault.action.headers.content-length"),
        "{message}"
    );
    let long = with(r#"action.fault = { endpoint = "revoke", delay = "2h" }"#);
    let message = parse_scenario(&long, "l.toml").unwrap_err().to_string();
    assert!(
        message.contains("timeline.action.fault.action.ms"),
        "{message}"
    );
    let not_5xx =
        with(r#"action.gmail_fault = { endpoint = "get", kind = "status", status = 429 }"#);
    let message = parse_scenario(&not_5xx, "g.toml").unwrap_err().to_string();
    assert!(
        message.contains("timeline.action.gmail_fault.action.status"),
        "{message}"
    );
    // Every OAuth endpoint takes a `fault` now, within the ranges.
    let revoke = with(r#"action.fault = { endpoint = "revoke", status = 503, times = 1 }"#);
    parse_scenario(&revoke, "r.toml").expect("a fault on revoke loads");
}
