//! The cron fallback's pass (`refresh_due`): refreshes what is due through the
//! broker's own path and reports each account; store failures are told apart
//! from refresh failures.

use std::sync::Arc;
use std::time::Duration;

use reference_impl::{
    AccessToken, BrokerConfig, CasOutcome, MemoryStore, RefreshToken, StoredGrant, TokenStore,
    refresh_due,
};

use crate::support::{ScriptedTransport, TokioClock, json_response};

const WITHIN: Duration = Duration::from_secs(600);

fn config() -> BrokerConfig {
    BrokerConfig::new("https://oauth2.example/token", "client-id", "GOCSPX-secret").with_seed(3)
}

/// Stores `account` with a token expiring `left` from `clock`'s now.
async fn stored(store: &MemoryStore, clock: &TokioClock, account: &str, left: Duration) {
    use reference_impl::Clock as _;
    let grant = StoredGrant {
        access_token: Some(AccessToken::new(format!("ya29.old-{account}"))),
        expires_at: Some(clock.now() + left),
        ..StoredGrant::new(1, RefreshToken::new(format!("1//{account}")))
    };
    assert!(matches!(
        store
            .compare_and_swap(account, None, grant)
            .await
            .expect("seed"),
        CasOutcome::Swapped
    ));
}

fn ok_transport() -> Arc<ScriptedTransport> {
    ScriptedTransport::new(Duration::from_millis(5), |_| {
        json_response(
            200,
            serde_json::json!({"access_token": "ya29.fresh", "expires_in": 3599, "token_type": "Bearer"}),
        )
    })
}

#[tokio::test(start_paused = true)]
async fn only_accounts_below_the_threshold_are_refreshed_and_persisted() {
    let store = Arc::new(MemoryStore::new());
    let clock = TokioClock::new();
    stored(&store, &clock, "due", Duration::from_secs(300)).await;
    stored(&store, &clock, "fresh", Duration::from_secs(1800)).await;
    let transport = ok_transport();

    let report = refresh_due(config(), store.clone(), clock, transport.clone(), WITHIN)
        .await
        .expect("valid config");
    assert!(report.all_fresh(), "{report:?}");
    let refreshed: Vec<(&str, bool)> = report
        .accounts
        .iter()
        .map(|a| (a.account.as_str(), a.refreshed))
        .collect();
    assert_eq!(refreshed, [("due", true), ("fresh", false)]);
    assert_eq!(transport.requests.lock().unwrap().len(), 1);
    let persisted = store.get("due").expect("stored");
    assert_eq!(persisted.version, 2);
    assert_eq!(
        persisted.access_token.expect("token").expose_secret(),
        "ya29.fresh"
    );
    let line = report.accounts[0].to_string();
    assert!(
        line.starts_with("account=due state=ok refreshed=true expires_in="),
        "{line}"
    );
    assert!(!line.contains("ya29"), "{line}");
}

#[tokio::test(start_paused = true)]
async fn a_provider_failure_is_a_refresh_failure_not_a_store_failure() {
    let store = Arc::new(MemoryStore::new());
    let clock = TokioClock::new();
    stored(&store, &clock, "due", Duration::from_secs(60)).await;
    let transport = ScriptedTransport::new(Duration::from_millis(5), |_| {
        json_response(400, serde_json::json!({"error": "invalid_grant"}))
    });
    let report = refresh_due(config(), store, clock, transport, WITHIN)
        .await
        .expect("valid config");
    assert!(!report.all_fresh());
    assert!(!report.store_failed());
    assert!(report.accounts[0].to_string().contains("error=revoked"));
}

#[tokio::test(start_paused = true)]
async fn an_unavailable_store_is_a_store_failure() {
    let store = Arc::new(MemoryStore::new());
    store.set_unavailable(true);
    let report = refresh_due(config(), store, TokioClock::new(), ok_transport(), WITHIN)
        .await
        .expect("valid config");
    assert!(report.store_failed());
    assert!(report.store_error.is_some());
}
