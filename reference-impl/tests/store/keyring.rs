//! Keyring parsing: the documented format, and errors that never echo key material.

use reference_impl::{Keyring, KeyringError, RefreshToken, StoredGrant};

const K1: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
const K2: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

#[test]
fn a_keyring_file_with_comments_and_several_keys_makes_the_first_primary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("keys");
    std::fs::write(
        &path,
        format!("# rotated 2026-11\nnew:{K2}\n\n  old : {K1}  \n"),
    )
    .expect("write");
    let keyring = Keyring::from_file(&path).expect("parses");
    assert_eq!(keyring.primary_kid(), "new");
    assert_eq!(keyring.kids().collect::<Vec<_>>(), ["new", "old"]);
}

#[test]
fn comma_separated_entries_fit_in_one_environment_variable() {
    let keyring = Keyring::parse(&format!("a:{K1},b:{K2}")).expect("parses");
    assert_eq!(keyring.kids().collect::<Vec<_>>(), ["a", "b"]);
}

#[test]
fn bad_entries_are_named_without_echoing_key_material() {
    let cases = [
        (format!("k1:{K1}\nno-colon-{K2}"), "entry 2"),
        (format!("k1:{}", &K1[..20]), "`k1`"),
        (format!("k1:{K1}\nk1:{K2}"), "`k1`"),
        ("k1:not*base64".to_owned(), "`k1`"),
        (format!(":{K1}"), "entry 1"),
        ("# only a comment".to_owned(), "empty"),
    ];
    for (text, named) in cases {
        let error = Keyring::parse(&text).expect_err(&text);
        let message = error.to_string();
        assert!(message.contains(named), "{message} should name {named}");
        for secret in [K1, &K1[..20], K2, "not*base64"] {
            assert!(!message.contains(secret), "{message} leaks key material");
            assert!(!format!("{error:?}").contains(secret));
        }
    }
}

#[test]
fn a_missing_environment_variable_names_the_variable() {
    let error = Keyring::from_env("OAUTH_CHAOS_TEST_UNSET_KEYRING").expect_err("unset");
    assert!(
        matches!(&error, KeyringError::MissingEnv { var } if var == "OAUTH_CHAOS_TEST_UNSET_KEYRING")
    );
}

#[test]
fn a_missing_keyring_file_names_the_file() {
    let error = Keyring::from_file("/nonexistent/keys").expect_err("missing");
    assert!(error.to_string().contains("`/nonexistent/keys`"), "{error}");
}

#[test]
fn the_keyring_debug_output_shows_key_ids_only() {
    let keyring = Keyring::parse(&format!("k1:{K1}")).expect("parses");
    let debug = format!("{keyring:?}");
    assert!(
        debug.contains("k1") && !debug.contains(K1) && !debug.contains("[1, 2, 3"),
        "{debug}"
    );
}

#[test]
fn a_sealed_grant_opens_only_at_its_own_version() {
    let keyring = Keyring::parse(&format!("k1:{K1}")).expect("parses");
    let sealed = keyring.seal("alice", &StoredGrant::new(4, RefreshToken::new("1//x")));
    assert!(keyring.open("alice", 4, &sealed).is_ok());
    assert!(
        keyring.open("alice", 5, &sealed).is_err(),
        "a replayed version must not open"
    );
}
