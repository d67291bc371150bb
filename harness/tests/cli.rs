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
