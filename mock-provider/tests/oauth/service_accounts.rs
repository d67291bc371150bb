//! The jwt-bearer grant for service accounts: an RS256 assertion verified
//! against the public key registered with the builder.

use crate::common::{GMAIL_READONLY, post_form};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mock_provider::MockProvider;
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

const ROBOT: &str = "robot@project.iam.gserviceaccount.com";
const PRIVATE_KEY: &[u8] = include_bytes!("../keys/service_account.pem");
const PUBLIC_KEY: &[u8] = include_bytes!("../keys/service_account.pub.pem");
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

async fn provider() -> MockProvider {
    MockProvider::builder()
        .service_account(ROBOT, PUBLIC_KEY)
        .expect("a valid public key")
        .start()
        .await
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

fn claims(provider: &MockProvider) -> Value {
    let iat = now();
    json!({
        "iss": ROBOT,
        "scope": GMAIL_READONLY,
        "aud": provider.token_url(),
        "iat": iat,
        "exp": iat + 3600,
    })
}

fn sign(claims: &Value, key: &[u8]) -> String {
    let key = EncodingKey::from_rsa_pem(key).expect("a private key");
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), claims, &key).expect("signs")
}

async fn grant(provider: &MockProvider, assertion: &str) -> crate::common::Answer {
    post_form(
        &provider.token_url(),
        &[("grant_type", JWT_BEARER), ("assertion", assertion)],
    )
    .await
}

#[tokio::test]
async fn a_signed_assertion_buys_an_access_token() {
    let provider = provider().await;
    let answer = grant(&provider, &sign(&claims(&provider), PRIVATE_KEY)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let body = answer.json();
    assert!(
        body["access_token"]
            .as_str()
            .expect("a token")
            .starts_with("ya29.")
    );
    assert_eq!(body["token_type"], "Bearer");
    assert!(body.get("refresh_token").is_none());
    let entry = provider.journal().entries().pop().expect("journaled");
    assert_eq!(entry.account.as_deref(), Some(ROBOT));
    assert_eq!(entry.client_id.as_deref(), Some(ROBOT));
    assert_eq!(entry.grant_type.as_deref(), Some(JWT_BEARER));
}

#[tokio::test]
async fn assertion_errors_are_invalid_grant() {
    let provider = provider().await;
    let good = claims(&provider);
    let forged = {
        // Signed with the provider's own shipped key, not the robot's.
        let other = include_bytes!("../../src/signing/id_token_key.pem");
        sign(&good, other)
    };
    let mut unknown = good.clone();
    unknown["iss"] = json!("stranger@project.iam.gserviceaccount.com");
    let mut long_lived = good.clone();
    long_lived["exp"] = json!(now() + 7200);
    let mut expired = good.clone();
    expired["iat"] = json!(now() - 7200);
    expired["exp"] = json!(now() - 3600);
    let mut wrong_audience = good.clone();
    wrong_audience["aud"] = json!("https://example.com/token");
    let cases = [
        (forged, "Invalid JWT Signature."),
        (sign(&unknown, PRIVATE_KEY), "Invalid email or User ID"),
        (
            sign(&long_lived, PRIVATE_KEY),
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
        ),
        (
            sign(&expired, PRIVATE_KEY),
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
        ),
        (
            sign(&wrong_audience, PRIVATE_KEY),
            "Invalid JWT: Failed audience check.",
        ),
        ("not.a.jwt".to_owned(), "Invalid JWT Signature."),
    ];
    for (assertion, description) in cases {
        let answer = grant(&provider, &assertion).await;
        assert_eq!(
            answer.oauth_error(),
            (400, "invalid_grant".to_owned(), description.to_owned())
        );
    }
    let mut no_scope = good;
    no_scope["scope"] = json!("");
    let answer = grant(&provider, &sign(&no_scope, PRIVATE_KEY)).await;
    assert_eq!(answer.oauth_error().1, "invalid_scope");
}

#[test]
fn a_public_key_that_is_not_pem_is_a_typed_error() {
    let error = MockProvider::builder()
        .service_account(ROBOT, b"not a key")
        .expect_err("garbage is refused");
    assert!(error.to_string().contains(ROBOT), "{error}");
}
