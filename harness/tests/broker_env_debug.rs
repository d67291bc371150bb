//! A broker's environment can be logged: its Debug output keeps every
//! secret out (client secret, refresh tokens, a database password).

use harness::broker::{BrokerEnv, RunShared};
use std::sync::Arc;

#[test]
fn the_debug_output_of_a_broker_env_shows_no_secret() {
    let env = BrokerEnv {
        instance: 0,
        seed: 1,
        clock: Arc::new(reference_impl::SystemClock),
        transport: Arc::new(reference_impl::ReqwestTransport::new()),
        token_url: "http://127.0.0.1:9/token".into(),
        auth_url: "http://127.0.0.1:9/o/oauth2/v2/auth".into(),
        revoke_url: "http://127.0.0.1:9/revoke".into(),
        gmail_base: "http://127.0.0.1:9/gmail/v1".into(),
        client_id: "client".into(),
        client_secret: "GOCSPX-client-secret-value".to_owned().into(),
        scopes: Vec::new(),
        accounts: vec![(
            "alice@example.com".into(),
            "1//refresh-token-value".to_owned().into(),
        )],
        store: "postgres://app:db-password-value@127.0.0.1:5432/tokens".into(),
        shared: RunShared::default(),
        redirect_url: "http://127.0.0.1/callback".into(),
    };
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
