//! `GET /o/oauth2/v2/auth`: error pages that never redirect, the redirect
//! on success and denial, and when a refresh token is due.

use crate::common::{self, GMAIL_READONLY, VERIFIER, authorize, exchange, s256};
use mock_provider::{ConsentMode, Endpoint, MockProvider};
use secrecy::ExposeSecret;

fn assert_error_page(answer: &common::Answer, status: u16, error: &str) {
    assert_eq!(answer.status, status, "{}", answer.text);
    assert!(
        answer.headers.get("location").is_none(),
        "an error page never redirects"
    );
    assert!(
        answer.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html"),
    );
    let expected = format!("{status}. That's an error. Error: {error}");
    assert!(answer.text.contains(&expected), "{}", answer.text);
}

#[tokio::test]
async fn a_redirect_uri_that_is_not_registered_exactly_gets_an_error_page() {
    let provider = MockProvider::start().await;
    let unregistered = authorize(&provider, &[("redirect_uri", "http://127.0.0.1/evil")]).await;
    assert_error_page(&unregistered, 400, "redirect_uri_mismatch");
    let trailing_slash = format!("{}/", provider.redirect_uri());
    let almost = authorize(&provider, &[("redirect_uri", trailing_slash.as_str())]).await;
    assert_error_page(&almost, 400, "redirect_uri_mismatch");
    let entries = provider.journal().entries();
    assert_eq!(entries[0].endpoint, Endpoint::Authorize);
    assert_eq!(entries[0].error.as_deref(), Some("redirect_uri_mismatch"));
}

#[tokio::test]
async fn an_unknown_or_missing_client_gets_an_error_page() {
    let provider = MockProvider::start().await;
    let unknown = authorize(
        &provider,
        &[("client_id", "nobody.apps.googleusercontent.com")],
    )
    .await;
    assert_error_page(&unknown, 401, "invalid_client");
    let missing = authorize(&provider, &[("client_id", "")]).await;
    assert_error_page(&missing, 400, "invalid_request");
}

#[tokio::test]
async fn malformed_requests_get_error_pages_not_redirects() {
    let provider = MockProvider::start().await;
    let implicit = authorize(&provider, &[("response_type", "token")]).await;
    assert_error_page(&implicit, 400, "unsupported_response_type");
    let no_scope = authorize(&provider, &[("scope", "")]).await;
    assert_error_page(&no_scope, 400, "invalid_request");
    let bad_scope = authorize(&provider, &[("scope", "openid https://evil.example/x")]).await;
    assert_error_page(&bad_scope, 400, "invalid_scope");
    assert!(
        bad_scope
            .text
            .contains("{invalid=[https://evil.example/x]}")
    );
    let challenge = s256(VERIFIER);
    let bad_method = authorize(
        &provider,
        &[
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S512"),
        ],
    )
    .await;
    assert_error_page(&bad_method, 400, "invalid_request");
    let short_challenge = authorize(&provider, &[("code_challenge", "too-short")]).await;
    assert_error_page(&short_challenge, 400, "invalid_request");
    let bad_access_type = authorize(&provider, &[("access_type", "forever")]).await;
    assert_error_page(&bad_access_type, 400, "invalid_request");
}

#[tokio::test]
async fn success_redirects_with_a_code_the_scope_the_exact_state_and_iss() {
    let provider = MockProvider::start().await;
    let state = "a b&c=d/é~";
    let answer = authorize(&provider, &[("state", state)]).await;
    let params = answer.redirect_params();
    assert!(params["code"].starts_with("4/0A"));
    assert_eq!(params["scope"], GMAIL_READONLY);
    assert_eq!(params["state"], state);
    assert_eq!(params["iss"], provider.issuer());

    let entry = provider.journal().entries().pop().expect("journaled");
    assert_eq!(entry.client_id.as_deref(), Some(provider.client_id()));
    assert_eq!(entry.account.as_deref(), Some("alice@example.com"));
    let issued = entry.issued.expect("the code's fingerprint");
    assert_eq!(
        issued.fingerprint,
        mock_provider::Fingerprint::of(&params["code"])
    );
    let journal = serde_json::to_string(&provider.journal().entries()).expect("json");
    assert!(
        !journal.contains(&params["code"]),
        "the journal holds no code"
    );
    assert!(
        provider
            .secrets()
            .snapshot()
            .iter()
            .any(|s| s.value.expose_secret() == params["code"])
    );
}

#[tokio::test]
async fn iss_can_be_left_out_of_the_authorization_response() {
    let provider = MockProvider::builder()
        .authorization_response_iss(false)
        .start()
        .await;
    let params = authorize(&provider, &[]).await.redirect_params();
    assert!(params.contains_key("code"));
    assert!(!params.contains_key("iss"));
    assert!(!params.contains_key("state"), "no state was sent");
    let discovery = common::get(&format!(
        "{}/.well-known/openid-configuration",
        provider.uri()
    ))
    .await
    .json();
    assert_eq!(
        discovery["authorization_response_iss_parameter_supported"],
        false
    );
}

#[tokio::test]
async fn a_denying_user_sends_access_denied_back_with_the_state() {
    let provider = MockProvider::builder()
        .consent(ConsentMode::Deny)
        .start()
        .await;
    let params = authorize(&provider, &[("state", "xyz")])
        .await
        .redirect_params();
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "xyz");
    assert!(!params.contains_key("code"));
    provider.set_consent(ConsentMode::Grant);
    assert!(
        authorize(&provider, &[])
            .await
            .redirect_params()
            .contains_key("code")
    );
}

#[tokio::test]
async fn login_hint_picks_the_consenting_account() {
    let provider = MockProvider::builder()
        .account("alice@example.com")
        .account("bob@example.com")
        .start()
        .await;
    let code = common::offline_code(&provider, &[("login_hint", "bob@example.com")]).await;
    let answer = exchange(&provider, &code, Some(VERIFIER)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let entry = provider.journal().entries().pop().expect("journaled");
    assert_eq!(entry.account.as_deref(), Some("bob@example.com"));
    assert!(entry.grant_id.is_some());
}

#[tokio::test]
async fn a_refresh_token_comes_on_the_first_offline_consent_then_only_with_prompt_consent() {
    let provider = MockProvider::builder()
        .account("carol@example.com")
        .start()
        .await;
    // The seeded grant counts as carol's first consent; revoke it to start over.
    provider.revoke_account("carol@example.com");
    let first = common::offline_tokens(&provider, &[]).await;
    assert!(first.get("refresh_token").is_some());
    let again = common::offline_tokens(&provider, &[]).await;
    assert!(again.get("refresh_token").is_none(), "{again}");
    assert!(again.get("access_token").is_some());
    let forced = common::offline_tokens(&provider, &[("prompt", "consent")]).await;
    assert!(forced.get("refresh_token").is_some());

    let online = authorize(&provider, &[("prompt", "consent")])
        .await
        .redirect_params();
    let answer = exchange(&provider, &online["code"], None).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(
        answer.json().get("refresh_token").is_none(),
        "online access"
    );
}

#[tokio::test]
async fn include_granted_scopes_adds_earlier_consents() {
    let provider = MockProvider::start().await;
    let params = authorize(
        &provider,
        &[("scope", "openid"), ("include_granted_scopes", "true")],
    )
    .await
    .redirect_params();
    let scopes: Vec<&str> = params["scope"].split(' ').collect();
    assert!(scopes.contains(&"openid"));
    assert!(scopes.contains(&GMAIL_READONLY), "{scopes:?}");
    let narrow = authorize(&provider, &[("scope", "openid")])
        .await
        .redirect_params();
    assert_eq!(narrow["scope"], "openid");
}

#[tokio::test]
async fn prompt_none_without_consent_answers_consent_required() {
    let provider = MockProvider::start().await;
    let params = authorize(&provider, &[("scope", "openid"), ("prompt", "none")])
        .await
        .redirect_params();
    assert_eq!(params["error"], "consent_required");
    let consented = authorize(&provider, &[("prompt", "none")])
        .await
        .redirect_params();
    assert!(
        consented.contains_key("code"),
        "gmail.readonly was consented"
    );
}
