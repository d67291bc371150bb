//! The `reference-store-rotate` binary, run as a real process.

use std::process::Command;

use reference_impl::{Keyring, SqliteStore, TokenStore};

use crate::conformance::grant;

const BIN: &str = env!("CARGO_BIN_EXE_reference-store-rotate");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rotate_command_reseals_a_sqlite_store_under_the_new_primary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("tokens.db");
    let old_entry = Keyring::generate_entry("old");
    let new_entry = Keyring::generate_entry("new");
    let old = Keyring::parse(&old_entry).expect("old key");
    let store = SqliteStore::open(&path, old).await.expect("open");
    for account in ["alice", "bob"] {
        let _ = store
            .compare_and_swap(account, None, grant(1))
            .await
            .expect("write");
    }
    drop(store);

    let output = Command::new(BIN)
        .arg(format!("sqlite:{}", path.display()))
        .env("OAUTH_CHAOS_STORE_KEYS", format!("{new_entry},{old_entry}"))
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("re-sealed 2 record(s) under key `new`"),
        "{stdout}"
    );

    let new_only = SqliteStore::open(&path, Keyring::parse(&new_entry).expect("new key"))
        .await
        .expect("open");
    assert_eq!(
        new_only
            .load("bob")
            .await
            .expect("opens with the new key only")
            .expect("stored")
            .version,
        1
    );
}

#[test]
fn the_rotate_command_reports_a_bad_keyring_without_echoing_it() {
    let output = Command::new(BIN)
        .arg("memory")
        .env("OAUTH_CHAOS_STORE_KEYS", "k1:c2VjcmV0LWtleS1tYXRlcmlhbA==")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("key `k1` (entry 1) is 19 bytes"),
        "{stderr}"
    );
    assert!(!stderr.contains("c2VjcmV0"), "{stderr}");
}

#[test]
fn the_rotate_command_rejects_an_unknown_store_kind() {
    let output = Command::new(BIN)
        .arg("redis://user:pw@host")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(64), "{stderr}");
    assert!(
        stderr.contains("unknown store `redis`") && !stderr.contains("pw@host"),
        "{stderr}"
    );
}
