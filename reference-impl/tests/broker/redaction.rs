use crate::support::{
    ACCESS_TOKEN, CLIENT_SECRET, REFRESH_TOKEN, fixture, google_error, google_token,
    refresh_request,
};
use reference_impl::{BrokerConfig, StoredGrant};

fn assert_redacted(text: &str) {
    for secret in [ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET] {
        assert!(!text.contains(secret), "`{secret}` leaked into: {text}");
    }
}

#[tokio::test]
async fn debug_output_of_broker_config_grant_and_status_contains_no_secret() {
    let f = fixture().await;
    refresh_request()
        .respond_with(google_token(ACCESS_TOKEN))
        .mount(&f.server)
        .await;
    f.broker.access_token("alice").await.unwrap();

    assert_redacted(&format!("{:?}", f.broker));
    assert_redacted(&format!(
        "{:?}",
        BrokerConfig::new("https://x/token", "id", CLIENT_SECRET)
    ));
    let grant: StoredGrant = f.store.get("alice").unwrap();
    assert_redacted(&format!("{grant:?}"));
    assert_redacted(&format!("{:?}", f.broker.status()));
    assert_redacted(&format!("{:?}", f.store));
    let pending = f.broker.access_token("alice");
    let shown = format!("{pending:?}");
    assert!(shown.contains("alice"), "{shown}");
    assert_redacted(&shown);
    assert_redacted(&format!("{:?}", pending.await.unwrap()));
}

#[tokio::test]
async fn errors_contain_no_secret() {
    let f = fixture().await;
    refresh_request()
        .respond_with(google_error(
            400,
            "invalid_grant",
            "Token has been expired or revoked.",
        ))
        .mount(&f.server)
        .await;
    let error = f.broker.access_token("alice").await.unwrap_err();
    assert_redacted(&format!("{error} {error:?}"));
}
