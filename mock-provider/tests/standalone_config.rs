//! The binary refuses a `provider.toml` with a value outside its documented
//! range, and every refusal names the field in its first line: the line a
//! user in another language sees in their test log.

use std::io::Write;
use std::process::Command;

/// Runs the binary with `config`; its exit status and the first line of
/// its error.
fn refusal(config: &str, args: &[&str]) -> (bool, String) {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(config.as_bytes()).expect("write");
    // A config that is accepted would serve forever: give it a port that
    // is taken, so it stops at listening.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("address").port().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_mock-provider"))
        .arg("--config")
        .arg(file.path())
        .args(args)
        .args(["--port", &port])
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let first = stderr
        .lines()
        .find(|l| l.starts_with("Error:"))
        .unwrap_or_default()
        .to_owned();
    (output.status.success(), first)
}

#[test]
fn silly_values_are_refused_naming_the_field_in_the_first_line() {
    let cases = [
        ("access_token_ttl_secs = 0", "access_token_ttl_secs"),
        (
            "access_token_ttl_secs = 999999999999",
            "access_token_ttl_secs",
        ),
        (
            "[oauth]\nrefresh_token_limit = 0",
            "oauth.refresh_token_limit",
        ),
        ("[oauth]\ncode_ttl_secs = 0", "oauth.code_ttl_secs"),
        (
            "[oauth]\nrefresh_idle_expiry_secs = 0",
            "oauth.refresh_idle_expiry_secs",
        ),
        (
            "[oauth]\nredirect_uris = [\"not a url\"]",
            "oauth.redirect_uris[0]",
        ),
        (
            "[oauth]\nredirect_uris = [\"http://a/cb\", \"http://a/cb\"]",
            "oauth.redirect_uris[1]",
        ),
        ("accounts = [\"not-an-email\"]", "accounts[0]"),
        (
            "accounts = [\"alice@example.com\", \"bob@\"]",
            "accounts[1]",
        ),
        ("accounts = [\"a b@example.com\"]", "accounts[0]"),
        (
            "accounts = [\"alice@example.com\", \"Alice@example.com\"]",
            "accounts[1]",
        ),
        ("scopes = []", "scopes"),
        ("[client]\nid = \"\"\nsecret = \"s\"", "client.id"),
        (
            "[client]\nid = \"c\"\nsecret = \"s\"\n[[extra_clients]]\nid = \"c\"\nsecret = \"t\"",
            "extra_clients[0].id",
        ),
        ("[gmail]\nmailbox_size = 100001", "gmail.mailbox_size"),
        (
            "[gmail]\nhistory_id_max_gap = 0",
            "gmail.history_id_max_gap",
        ),
        (
            "[gmail]\nquota_units_per_minute = 0",
            "gmail.quota_units_per_minute",
        ),
        (
            "[gmail.mailbox_sizes]\n\"bob@example.com\" = 3",
            "gmail.mailbox_sizes",
        ),
        ("[memory]\njournal_capacity = 0", "memory.journal_capacity"),
        (
            "[memory]\nsecret_capacity = \"lots\"",
            "memory.secret_capacity",
        ),
        (
            "[server]\nheader_read_timeout_secs = 0",
            "server.header_read_timeout_secs",
        ),
        ("public_uri = \"ftp://mock\"", "public_uri"),
        ("public_uri = \"mock-google:8080\"", "public_uri"),
        ("issuer = \"not a url\"", "issuer"),
        ("issuer = \"https://accounts.google.com/#x\"", "issuer"),
        (
            "[[service_accounts]]\nemail = \"robot\"\npublic_key_pem = \"x\"",
            "service_accounts[0].email",
        ),
        (
            "[[service_accounts]]\nemail = \"r@p.iam.gserviceaccount.com\"\npublic_key_file = \"no-such.pem\"",
            "service_accounts[0].public_key_file",
        ),
        (
            "[[service_accounts]]\nkey_file = \"no-such.json\"",
            "service_accounts[0].key_file",
        ),
        (
            "[oauth]\ndevice_flow_scopes = [\"openid\", \"\"]",
            "oauth.device_flow_scopes[1]",
        ),
        (
            "[gmail]\nsend_body_limit_bytes = 0",
            "gmail.send_body_limit_bytes",
        ),
    ];
    for (config, field) in cases {
        let (ok, first) = refusal(config, &[]);
        assert!(!ok, "accepted: {config}");
        assert!(
            first.contains(&format!("`{field}")),
            "{config:?}: the first line does not name `{field}`: {first}"
        );
    }
}

#[test]
fn a_type_error_names_the_field_in_the_first_line_not_only_in_the_echoed_text() {
    for (config, field) in [
        ("port = \"eighty\"", "`port`"),
        ("[oauth]\ncode_ttl_secs = \"ten\"", "`oauth.code_ttl_secs`"),
        (
            "[gmail]\nempty_first_history_page = 3",
            "`gmail.empty_first_history_page`",
        ),
    ] {
        let (ok, first) = refusal(config, &[]);
        assert!(!ok);
        assert!(first.contains(field), "{config:?}: {first}");
        assert!(first.contains("line "), "{config:?}: {first}");
    }
}

#[test]
fn command_line_values_obey_the_same_ranges() {
    let (ok, first) = refusal(
        "accounts = [\"alice@example.com\"]",
        &["--account", "alice@example.com"],
    );
    assert!(!ok && first.contains("`accounts[1]`"), "{first}");
    let (ok, first) = refusal("", &["--access-token-ttl", "0"]);
    assert!(!ok && first.contains("`access_token_ttl_secs`"), "{first}");
}

#[test]
fn the_documented_limits_themselves_are_accepted() {
    // The port is taken, so an accepted config fails only at listening.
    let config = "access_token_ttl_secs = 31536000\naccounts = [\"a@example.com\"]\n[oauth]\nrefresh_token_limit = 10000\ncode_ttl_secs = 86400\nrotation_grace_secs = 0\n[gmail]\nmailbox_size = 0\n[memory]\njournal_capacity = 1\nsecret_capacity = \"unbounded\"\n[server]\nheader_read_timeout_secs = 3600\n";
    let (ok, first) = refusal(config, &[]);
    assert!(!ok);
    assert!(
        first.contains("cannot listen"),
        "refused for another reason: {first}"
    );
}
