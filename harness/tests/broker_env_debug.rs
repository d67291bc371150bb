//! A broker's environment can be logged: its Debug output keeps every
//! secret out (client secret, refresh tokens, a database password).

mod support;

#[test]
fn the_debug_output_of_a_broker_env_shows_no_secret() {
    let mut env = support::offline_env();
    env.client_secret = "GOCSPX-client-secret-value".to_owned().into();
    env.accounts = vec![(
        "alice@example.com".into(),
        "1//refresh-token-value".to_owned().into(),
    )];
    env.store = "postgres://app:db-password-value@127.0.0.1:5432/tokens".into();
    let debug = format!("{env:?}");
    for secret in [
        "GOCSPX-client-secret-value",
        "1//refresh-token-value",
        "db-password-value",
    ] {
        assert!(!debug.contains(secret), "`{secret}` in {debug}");
    }
    assert!(
        debug.contains("postgres://app:***@127.0.0.1:5432/tokens"),
        "{debug}"
    );
    assert!(debug.contains("alice@example.com"));
}
