//! `POST /revoke` and `GET /tokeninfo`.

use crate::common::{self, GMAIL_READONLY, authorize, exchange, get, post_form, refresh, text};
use mock_provider::{MockProvider, RevocationCause, RevokeUnknown};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

async fn revoke(provider: &MockProvider, token: &str) -> common::Answer {
    post_form(&provider.revoke_url(), &[("token", token)]).await
}

async fn tokeninfo(provider: &MockProvider, token: &str) -> common::Answer {
    let query = serde_urlencoded::to_string([("access_token", token)]).expect("query");
    get(&format!("{}?{query}", provider.tokeninfo_url())).await
}

#[tokio::test]
async fn revoking_an_access_token_of_an_offline_grant_revokes_the_refresh_token_too() {
    let provider = MockProvider::start().await;
    let refresh_token = provider.refresh_token("alice@example.com").expect("seeded");
    let access = text(
        &refresh(&provider, refresh_token.expose_secret())
            .await
            .json(),
        "access_token",
    );
    let answer = revoke(&provider, &access).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        refresh(&provider, refresh_token.expose_secret())
            .await
            .status,
        400
    );
    assert!(!provider.access_token_is_valid(&SecretString::from(access.clone())));
    let grants = provider.grants();
    assert_eq!(grants[0].revoked_by, Some(RevocationCause::RevokeEndpoint));
    let entry = provider
        .journal()
        .entries()
        .into_iter()
        .find(|e| e.endpoint == mock_provider::Endpoint::Revoke)
        .expect("journaled");
    assert_eq!(entry.account.as_deref(), Some("alice@example.com"));
    assert_eq!(
        entry.presented,
        vec![mock_provider::Fingerprint::of(&access)]
    );
}

#[tokio::test]
async fn revoking_twice_or_an_unknown_token_is_google_s_400() {
    let provider = MockProvider::start().await;
    let refresh_token = provider.refresh_token("alice@example.com").expect("seeded");
    assert_eq!(
        revoke(&provider, refresh_token.expose_secret())
            .await
            .status,
        200
    );
    for token in [refresh_token.expose_secret(), "1//0unknown"] {
        let answer = revoke(&provider, token).await;
        assert_eq!(answer.status, 400);
        assert_eq!(
            answer.json(),
            json!({"error": "invalid_token", "error_description": "Token expired or revoked"})
        );
    }
}

#[tokio::test]
async fn the_rfc_7009_option_answers_200_for_unknown_tokens() {
    let provider = MockProvider::builder()
        .revoke_unknown(RevokeUnknown::Rfc7009Ok)
        .start()
        .await;
    assert_eq!(revoke(&provider, "1//0unknown").await.status, 200);
}

#[tokio::test]
async fn revoking_an_online_access_token_leaves_the_rest_alone() {
    let provider = MockProvider::start().await;
    let params = authorize(&provider, &[]).await.redirect_params();
    let online = exchange(&provider, &params["code"], None).await.json();
    let access = text(&online, "access_token");
    assert_eq!(revoke(&provider, &access).await.status, 200);
    assert_eq!(tokeninfo(&provider, &access).await.status, 400);
    let seeded = provider.refresh_token("alice@example.com").expect("seeded");
    assert_eq!(refresh(&provider, seeded.expose_secret()).await.status, 200);
}

#[tokio::test]
async fn tokeninfo_describes_a_live_token_with_string_times() {
    let provider = MockProvider::start().await;
    let tokens = common::offline_tokens(&provider, &[("prompt", "consent")]).await;
    let answer = tokeninfo(&provider, &text(&tokens, "access_token")).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let info = answer.json();
    assert_eq!(info["azp"], provider.client_id());
    assert_eq!(info["aud"], provider.client_id());
    assert_eq!(info["scope"], GMAIL_READONLY);
    assert_eq!(info["access_type"], "offline");
    let expires_in: u64 = info["expires_in"]
        .as_str()
        .expect("a string")
        .parse()
        .expect("digits");
    assert!((3598..=3599).contains(&expires_in));
    let exp: u64 = info["exp"]
        .as_str()
        .expect("a string")
        .parse()
        .expect("digits");
    assert!(exp > 1_700_000_000);
}

#[tokio::test]
async fn tokeninfo_of_an_unknown_token_is_invalid_value() {
    let provider = MockProvider::start().await;
    for token in ["ya29.unknown", ""] {
        let answer = tokeninfo(&provider, token).await;
        assert_eq!(answer.status, 400);
        assert_eq!(
            answer.json(),
            json!({"error": "invalid_token", "error_description": "Invalid Value"})
        );
    }
}

#[tokio::test]
async fn every_secret_seen_is_registered_and_none_reaches_the_journal() {
    use mock_provider::SecretKind;
    let provider = MockProvider::start().await;
    let scope = format!("openid {GMAIL_READONLY}");
    let tokens = common::offline_tokens(
        &provider,
        &[("scope", scope.as_str()), ("prompt", "consent")],
    )
    .await;
    let access = text(&tokens, "access_token");
    assert_eq!(tokeninfo(&provider, &access).await.status, 200);
    assert_eq!(
        revoke(&provider, &text(&tokens, "refresh_token"))
            .await
            .status,
        200
    );

    let secrets = provider.secrets().snapshot();
    for kind in [
        SecretKind::ClientSecret,
        SecretKind::AuthorizationCode,
        SecretKind::CodeVerifier,
        SecretKind::AccessToken,
        SecretKind::RefreshToken,
        SecretKind::IdToken,
    ] {
        assert!(
            secrets.iter().any(|s| s.kind == kind),
            "no {kind:?} registered"
        );
    }
    let journal = serde_json::to_string(&provider.journal().entries()).expect("json");
    let lines: Vec<String> = provider
        .journal()
        .entries()
        .iter()
        .map(ToString::to_string)
        .collect();
    for secret in &secrets {
        let value = secret.value.expose_secret();
        assert!(
            !journal.contains(value),
            "the journal leaks a {:?}",
            secret.kind
        );
        assert!(lines.iter().all(|l| !l.contains(value)));
    }
    let endpoints: Vec<_> = provider
        .journal()
        .entries()
        .iter()
        .map(|e| e.endpoint)
        .collect();
    use mock_provider::Endpoint;
    assert_eq!(
        endpoints,
        vec![
            Endpoint::Authorize,
            Endpoint::Token,
            Endpoint::TokenInfo,
            Endpoint::Revoke
        ]
    );
    let entries = provider.journal().entries();
    assert_eq!(entries[1].grant_type.as_deref(), Some("authorization_code"));
    assert_eq!(entries[1].grant_id, entries[3].grant_id);
    assert_eq!(entries[2].grant_id, entries[1].grant_id);
    assert_eq!(entries[1].presented.len(), 2, "the code and the verifier");
}
