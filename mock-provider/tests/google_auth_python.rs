//! Google's own Python auth library (google-auth) refreshes against the
//! mock over loopback: it must accept the mock's success answers and fail
//! on its error answers the way it fails against Google.
//!
//! Needs `python3` with google-auth and requests (installed by
//! `scripts/install-test-deps.sh`, which `.ci/run` calls). Without them the
//! tests say so and pass, except under `CI=true`, where that is a failure.

use http::StatusCode;
use mock_provider::{Endpoint, Fault, MockProvider};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::process::Command;

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/real_libraries/google_auth_refresh.py"
);

/// True when google-auth can be imported; under CI=true its absence fails.
fn google_auth_available() -> bool {
    let found = Command::new("python3")
        .args([
            "-c",
            "import google.auth, google.oauth2.credentials, requests",
        ])
        .output()
        .is_ok_and(|out| out.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "google-auth is required under CI=true: run scripts/install-test-deps.sh"
        );
        eprintln!("skipped: python3 with google-auth not found (scripts/install-test-deps.sh)");
    }
    found
}

async fn refresh_with_google_auth(provider: &MockProvider, refresh_token: &SecretString) -> Value {
    let config = json!({
        "token_uri": provider.token_url(),
        "client_id": provider.client_id(),
        "client_secret": provider.client_secret().expose_secret(),
        "refresh_token": refresh_token.expose_secret(),
    });
    let output = tokio::process::Command::new("python3")
        .arg(SCRIPT)
        .arg(config.to_string())
        .output()
        .await
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "the script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON line")
}

#[tokio::test]
async fn google_auth_refreshes_and_gets_a_token_the_mock_accepts_with_its_lifetime() {
    if !google_auth_available() {
        return;
    }
    let provider = MockProvider::start().await;
    let refresh = provider.refresh_token("alice@example.com").expect("seeded");
    let answer = refresh_with_google_auth(&provider, &refresh).await;
    assert_eq!(answer["ok"], true, "{answer}");
    assert_eq!(answer["valid"], true);
    let token = SecretString::from(answer["token"].as_str().expect("a token").to_owned());
    assert!(provider.access_token_is_valid(&token));
    let expires_in = answer["expires_in_s"].as_f64().expect("an expiry");
    // 3599 s from the mock; the library stores expiry to the second.
    assert!((3500.0..=3600.0).contains(&expires_in), "{expires_in}");
}

#[tokio::test]
async fn google_auth_reports_a_revoked_grant_as_a_non_retryable_invalid_grant() {
    if !google_auth_available() {
        return;
    }
    let provider = MockProvider::start().await;
    let refresh = provider.refresh_token("alice@example.com").expect("seeded");
    assert!(provider.revoke_account("alice@example.com") > 0);
    let answer = refresh_with_google_auth(&provider, &refresh).await;
    assert_eq!(answer["ok"], false, "{answer}");
    assert_eq!(answer["error"], "RefreshError");
    let message = answer["message"].as_str().unwrap_or_default();
    assert!(message.contains("invalid_grant"), "{message}");
    assert_eq!(answer["retryable"], false, "{answer}");
}

#[tokio::test]
async fn google_auth_retries_the_mocks_503_and_then_succeeds() {
    if !google_auth_available() {
        return;
    }
    let provider = MockProvider::start().await;
    let refresh = provider.refresh_token("alice@example.com").expect("seeded");
    let _outage = provider.mount(
        Fault::on(Endpoint::Token)
            .respond(
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"error":"temporarily_unavailable","error_description":"The service is currently unavailable."}"#,
            )
            .times(1),
    );
    let answer = refresh_with_google_auth(&provider, &refresh).await;
    assert_eq!(answer["ok"], true, "{answer}");
    let statuses: Vec<u16> = provider
        .journal()
        .entries()
        .iter()
        .filter(|e| e.is_refresh())
        .map(|e| e.status)
        .collect();
    assert_eq!(statuses, [503, 200], "one retry after the 503");
}
