//! Every row of the fidelity table's token-endpoint errors, with the exact
//! status and the exact body (no field more, no field less).

use crate::common::{
    self, GMAIL_READONLY, VERIFIER, authorize, exchange, offline_code, post_form, refresh, s256,
    token,
};
use mock_provider::MockProvider;
use secrecy::ExposeSecret;
use serde_json::json;
use std::time::Duration;

fn assert_body(answer: &common::Answer, status: u16, error: &str, description: &str) {
    assert_eq!(answer.status, status, "{}", answer.text);
    assert_eq!(
        answer.json(),
        json!({ "error": error, "error_description": description })
    );
    assert_eq!(
        answer.headers["cache-control"],
        "no-cache, no-store, max-age=0, must-revalidate"
    );
}

#[tokio::test]
async fn a_reused_code_is_bad_request() {
    let provider = MockProvider::start().await;
    let code = offline_code(&provider, &[]).await;
    assert_eq!(exchange(&provider, &code, Some(VERIFIER)).await.status, 200);
    let reused = exchange(&provider, &code, Some(VERIFIER)).await;
    assert_body(&reused, 400, "invalid_grant", "Bad Request");
}

#[tokio::test]
async fn an_expired_code_is_bad_request() {
    let provider = MockProvider::builder()
        .code_ttl(Duration::from_secs(60))
        .start()
        .await;
    let code = offline_code(&provider, &[]).await;
    provider.jump_clock(Duration::from_secs(61));
    let late = exchange(&provider, &code, Some(VERIFIER)).await;
    assert_body(&late, 400, "invalid_grant", "Bad Request");
}

#[tokio::test]
async fn a_code_of_the_wrong_shape_is_malformed() {
    let provider = MockProvider::start().await;
    let answer = exchange(&provider, "not-a-google-code", Some(VERIFIER)).await;
    assert_body(&answer, 400, "invalid_grant", "Malformed auth code.");
}

#[tokio::test]
async fn a_wrong_or_malformed_verifier_is_invalid_code_verifier() {
    let provider = MockProvider::start().await;
    let code = offline_code(&provider, &[]).await;
    let other = "a-different-verifier-of-enough-length-0123456789";
    let wrong = exchange(&provider, &code, Some(other)).await;
    assert_body(&wrong, 400, "invalid_grant", "Invalid code verifier.");
    let short = exchange(&provider, &code, Some("short")).await;
    assert_body(&short, 400, "invalid_grant", "Invalid code verifier.");
    // A failed verifier does not burn the code.
    assert_eq!(exchange(&provider, &code, Some(VERIFIER)).await.status, 200);
}

#[tokio::test]
async fn a_missing_verifier_after_a_challenge_is_missing_code_verifier() {
    let provider = MockProvider::start().await;
    let code = offline_code(&provider, &[]).await;
    let answer = exchange(&provider, &code, None).await;
    assert_body(&answer, 400, "invalid_grant", "Missing code verifier.");
}

#[tokio::test]
async fn a_verifier_without_a_challenge_is_refused() {
    let provider = MockProvider::start().await;
    let params = authorize(&provider, &[]).await.redirect_params();
    let answer = exchange(&provider, &params["code"], Some(VERIFIER)).await;
    assert_body(&answer, 400, "invalid_grant", "Invalid code verifier.");
}

#[tokio::test]
async fn a_challenge_without_a_method_is_plain() {
    let provider = MockProvider::start().await;
    let params = authorize(&provider, &[("code_challenge", VERIFIER)])
        .await
        .redirect_params();
    let s256_of_it = s256(VERIFIER);
    let hashed = exchange(&provider, &params["code"], Some(&s256_of_it)).await;
    assert_body(&hashed, 400, "invalid_grant", "Invalid code verifier.");
    let answer = exchange(&provider, &params["code"], Some(VERIFIER)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

#[tokio::test]
async fn a_different_redirect_uri_at_exchange_is_redirect_uri_mismatch() {
    let provider = MockProvider::builder()
        .redirect_uri("http://127.0.0.1/callback")
        .redirect_uri("http://127.0.0.1/other")
        .start()
        .await;
    let code = offline_code(&provider, &[]).await;
    let answer = token(
        &provider,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1/other"),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_body(&answer, 400, "redirect_uri_mismatch", "Bad Request");
}

#[tokio::test]
async fn client_errors_on_the_code_grant_match_google() {
    let provider = MockProvider::start().await;
    let code = offline_code(&provider, &[]).await;
    let unknown = post_form(
        &provider.token_url(),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", "nobody"),
            ("client_secret", "x"),
        ],
    )
    .await;
    assert_body(
        &unknown,
        401,
        "invalid_client",
        "The OAuth client was not found.",
    );
    let wrong = post_form(
        &provider.token_url(),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", provider.client_id()),
            ("client_secret", "GOCSPX-wrong"),
        ],
    )
    .await;
    assert_body(&wrong, 401, "invalid_client", "Unauthorized");
    let no_secret = post_form(
        &provider.token_url(),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", provider.client_id()),
        ],
    )
    .await;
    assert_body(
        &no_secret,
        400,
        "invalid_request",
        "client_secret is missing.",
    );
    let no_client = post_form(
        &provider.token_url(),
        &[("grant_type", "authorization_code")],
    )
    .await;
    assert_body(
        &no_client,
        400,
        "invalid_request",
        "Could not determine client ID from request.",
    );
    let no_grant_type = token(&provider, &[]).await;
    assert_body(
        &no_grant_type,
        400,
        "unsupported_grant_type",
        "Invalid grant_type: ",
    );
}

#[tokio::test]
async fn a_refresh_token_used_by_another_client_is_unauthorized_client() {
    let provider = MockProvider::builder()
        .add_client("other.apps.googleusercontent.com", "GOCSPX-other")
        .start()
        .await;
    let refresh_token = provider.refresh_token("alice@example.com").expect("seeded");
    let answer = post_form(
        &provider.token_url(),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
            ("client_id", "other.apps.googleusercontent.com"),
            ("client_secret", "GOCSPX-other"),
        ],
    )
    .await;
    assert_body(&answer, 401, "unauthorized_client", "Unauthorized");
    let owner = refresh(&provider, refresh_token.expose_secret()).await;
    assert_eq!(owner.status, 200, "the owner's token still works");
}

#[tokio::test]
async fn refresh_scope_must_be_a_subset_of_the_grant() {
    let provider = MockProvider::builder()
        .scopes([GMAIL_READONLY, "openid"])
        .start()
        .await;
    let refresh_token = provider.refresh_token("alice@example.com").expect("seeded");
    let rt = refresh_token.expose_secret();
    let narrowed = token(
        &provider,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("scope", GMAIL_READONLY),
        ],
    )
    .await;
    assert_eq!(narrowed.status, 200, "{}", narrowed.text);
    assert_eq!(narrowed.json()["scope"], GMAIL_READONLY);
    assert!(
        narrowed.json().get("id_token").is_none(),
        "openid was narrowed away"
    );
    let wider = token(
        &provider,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            (
                "scope",
                "openid https://mail.google.com/ https://www.googleapis.com/auth/drive",
            ),
        ],
    )
    .await;
    assert_body(
        &wider,
        400,
        "invalid_scope",
        "Some requested scopes were invalid. {invalid=[https://mail.google.com/, https://www.googleapis.com/auth/drive]}",
    );
}

#[tokio::test]
async fn session_control_answers_invalid_rapt() {
    let provider = MockProvider::start().await;
    let refresh_token = provider.refresh_token("alice@example.com").expect("seeded");
    assert_eq!(provider.require_reauthentication("alice@example.com"), 1);
    let answer = refresh(&provider, refresh_token.expose_secret()).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.json(),
        json!({
            "error": "invalid_grant",
            "error_description": "reauth related error (invalid_rapt)",
            "error_uri": "https://support.google.com/a/answer/9368756",
            "error_subtype": "invalid_rapt",
        })
    );
}
