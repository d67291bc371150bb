//! `POST /token` with the refresh grant, over a real loopback socket:
//! Google's success shape and headers, and Google's error answers.

use mock_provider::MockProvider;
use secrecy::ExposeSecret;
use serde_json::Value;

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    json: Value,
}

async fn post(provider: &MockProvider, form: &[(&str, &str)]) -> Answer {
    post_with(provider, form, None).await
}

async fn post_with(
    provider: &MockProvider,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> Answer {
    let client = reqwest::Client::new();
    let body = serde_urlencoded::to_string(form).expect("form");
    let mut request = client
        .post(provider.token_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.expect("the provider answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let json = response.json().await.expect("json body");
    Answer {
        status,
        headers,
        json,
    }
}

fn refresh_form<'a>(
    provider: &'a MockProvider,
    refresh_token: &'a str,
    secret: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", provider.client_id()),
        ("client_secret", secret),
    ]
}

#[tokio::test]
async fn a_refresh_returns_a_google_shaped_token_with_no_store_headers() {
    let provider = MockProvider::start().await;
    let refresh = provider.refresh_token("alice@example.com").expect("seeded");
    let secret = provider.client_secret();
    let answer = post(
        &provider,
        &refresh_form(&provider, refresh.expose_secret(), secret.expose_secret()),
    )
    .await;
    assert_eq!(answer.status, 200);
    let token = answer.json["access_token"].as_str().expect("access_token");
    assert!(token.starts_with("ya29."));
    assert_eq!(answer.json["expires_in"], 3599);
    assert_eq!(answer.json["token_type"], "Bearer");
    assert_eq!(
        answer.json["scope"],
        "https://www.googleapis.com/auth/gmail.readonly"
    );
    assert!(
        answer.json.get("refresh_token").is_none(),
        "Google does not rotate by default"
    );
    assert_eq!(
        answer.headers["cache-control"],
        "no-cache, no-store, max-age=0, must-revalidate"
    );
    assert_eq!(answer.headers["pragma"], "no-cache");
    assert_eq!(
        answer.headers["content-type"],
        "application/json; charset=utf-8"
    );
    assert!(provider.access_token_is_valid(&secrecy::SecretString::from(token.to_owned())));
}

#[tokio::test]
async fn client_secret_basic_is_accepted() {
    let provider = MockProvider::start().await;
    let refresh = provider.refresh_token("alice@example.com").expect("seeded");
    let secret = provider.client_secret();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.expose_secret()),
    ];
    let answer = post_with(
        &provider,
        &form,
        Some((provider.client_id(), secret.expose_secret())),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.json);
}

#[tokio::test]
async fn an_unknown_refresh_token_is_invalid_grant() {
    let provider = MockProvider::start().await;
    let secret = provider.client_secret();
    let answer = post(
        &provider,
        &refresh_form(&provider, "1//0nope", secret.expose_secret()),
    )
    .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json["error"], "invalid_grant");
    assert_eq!(
        answer.json["error_description"],
        "Token has been expired or revoked."
    );
}

#[tokio::test]
async fn a_revoked_grant_is_invalid_grant() {
    let provider = MockProvider::start().await;
    let refresh = provider.refresh_token("alice@example.com").expect("seeded");
    let secret = provider.client_secret();
    assert_eq!(provider.revoke_account("alice@example.com"), 1);
    let answer = post(
        &provider,
        &refresh_form(&provider, refresh.expose_secret(), secret.expose_secret()),
    )
    .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json["error"], "invalid_grant");
}

#[tokio::test]
async fn client_authentication_errors_match_google() {
    let provider = MockProvider::start().await;
    let refresh = provider.refresh_token("alice@example.com").expect("seeded");
    let rt = refresh.expose_secret();

    let wrong_secret = post(&provider, &refresh_form(&provider, rt, "GOCSPX-wrong")).await;
    assert_eq!(
        (wrong_secret.status, wrong_secret.json["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert_eq!(wrong_secret.json["error_description"], "Unauthorized");

    let unknown = post(
        &provider,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("client_id", "nobody"),
            ("client_secret", "x"),
        ],
    )
    .await;
    assert_eq!(unknown.status, 401);
    assert_eq!(
        unknown.json["error_description"],
        "The OAuth client was not found."
    );

    let no_client = post(
        &provider,
        &[("grant_type", "refresh_token"), ("refresh_token", rt)],
    )
    .await;
    assert_eq!(no_client.status, 400);
    assert_eq!(no_client.json["error"], "invalid_request");
    assert_eq!(
        no_client.json["error_description"],
        "Could not determine client ID from request."
    );

    let no_secret = post(
        &provider,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("client_id", provider.client_id()),
        ],
    )
    .await;
    assert_eq!(no_secret.status, 400);
    assert_eq!(
        no_secret.json["error_description"],
        "client_secret is missing."
    );
}

#[tokio::test]
async fn a_bad_grant_type_is_unsupported_grant_type_naming_the_value() {
    let provider = MockProvider::start().await;
    let secret = provider.client_secret();
    let form = [
        ("grant_type", "password"),
        ("client_id", provider.client_id()),
        ("client_secret", secret.expose_secret()),
    ];
    let answer = post(&provider, &form).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json["error"], "unsupported_grant_type");
    assert_eq!(
        answer.json["error_description"],
        "Invalid grant_type: password"
    );
}

#[tokio::test]
async fn a_duplicated_parameter_is_invalid_request() {
    let provider = MockProvider::start().await;
    let secret = provider.client_secret();
    let form = [
        ("grant_type", "refresh_token"),
        ("grant_type", "refresh_token"),
        ("client_id", provider.client_id()),
        ("client_secret", secret.expose_secret()),
    ];
    let answer = post(&provider, &form).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json["error"], "invalid_request");
}

#[tokio::test]
async fn every_request_is_journaled_with_fingerprints_not_tokens() {
    let provider = MockProvider::start().await;
    let refresh = provider.refresh_token("alice@example.com").expect("seeded");
    let secret = provider.client_secret();
    post(
        &provider,
        &refresh_form(&provider, refresh.expose_secret(), secret.expose_secret()),
    )
    .await;
    post(
        &provider,
        &refresh_form(&provider, "1//0nope", secret.expose_secret()),
    )
    .await;
    let entries = provider.journal().entries();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].status, 200);
    assert_eq!(entries[0].account.as_deref(), Some("alice@example.com"));
    assert!(entries[0].issued.is_some());
    assert!(entries[0].started_at <= entries[0].finished_at);
    assert_eq!(entries[1].error.as_deref(), Some("invalid_grant"));
    let text = serde_json::to_string(&entries).expect("serializes");
    for secret in provider.secrets().snapshot() {
        assert!(
            !text.contains(secret.value.expose_secret()),
            "journal leaks a {:?}",
            secret.kind
        );
    }
    assert!(
        provider.secrets().snapshot().len() >= 3,
        "client secret, refresh and access tokens"
    );
}
