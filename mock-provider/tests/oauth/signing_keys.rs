//! Signing-key rotation (add, switch, retire) and the JWKS's Cache-Control, over
//! loopback; the same through the admin API.

use crate::common::{self, GMAIL_READONLY, get, http};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use mock_provider::{ID_TOKEN_KEY_ID, MockProvider, SHIPPED_SIGNING_KEYS, SigningKeyError};
use serde_json::{Value, json};

const SECOND: &str = "oauth-chaos-mock-2";

async fn id_token(provider: &MockProvider) -> String {
    let scope = format!("openid email {GMAIL_READONLY}");
    let tokens = common::offline_tokens(
        provider,
        &[("scope", scope.as_str()), ("prompt", "consent")],
    )
    .await;
    common::text(&tokens, "id_token")
}

/// Verifies `token` against the JWKS the provider serves now; its `kid` if it does.
async fn verify_against_jwks(provider: &MockProvider, token: &str) -> Option<String> {
    let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
    let jwks = get(&provider.jwks_url()).await.json();
    let key = jwks["keys"]
        .as_array()?
        .iter()
        .find(|key| key["kid"] == kid.as_str())?
        .clone();
    let decoding = DecodingKey::from_rsa_components(key["n"].as_str()?, key["e"].as_str()?).ok()?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[provider.client_id()]);
    jsonwebtoken::decode::<Value>(token, &decoding, &validation).ok()?;
    Some(kid)
}

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .filter_map(|k| k["kid"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_jwks_says_how_long_it_may_be_cached() {
    let provider = MockProvider::start().await;
    let answer = http().get(provider.jwks_url()).send().await.expect("jwks");
    let cache_control = answer.headers()["cache-control"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(
        cache_control,
        "public, max-age=21600, must-revalidate, no-transform"
    );
    provider.set_jwks_max_age(std::time::Duration::from_secs(300));
    let answer = http().get(provider.jwks_url()).send().await.expect("jwks");
    assert!(
        answer.headers()["cache-control"]
            .to_str()
            .expect("ascii")
            .contains("max-age=300,")
    );
}

#[tokio::test]
async fn a_rotation_publishes_first_then_signs_then_retires_the_old_key() {
    let provider = MockProvider::start().await;
    let before = id_token(&provider).await;
    assert_eq!(
        verify_against_jwks(&provider, &before).await.as_deref(),
        Some(ID_TOKEN_KEY_ID)
    );

    provider
        .add_signing_key(SECOND, None)
        .expect("a shipped key");
    assert_eq!(
        kids(&get(&provider.jwks_url()).await.json()),
        [ID_TOKEN_KEY_ID, SECOND]
    );
    let still_old = id_token(&provider).await;
    assert_eq!(
        verify_against_jwks(&provider, &still_old).await.as_deref(),
        Some(ID_TOKEN_KEY_ID)
    );

    provider.use_signing_key(SECOND).expect("published");
    let new = id_token(&provider).await;
    assert_eq!(
        verify_against_jwks(&provider, &new).await.as_deref(),
        Some(SECOND)
    );
    assert_eq!(
        provider.retire_signing_key(SECOND),
        Err(SigningKeyError::RetiringActiveSigner {
            kid: SECOND.to_owned()
        })
    );

    provider
        .retire_signing_key(ID_TOKEN_KEY_ID)
        .expect("not signing any more");
    assert_eq!(kids(&get(&provider.jwks_url()).await.json()), [SECOND]);
    assert_eq!(
        verify_against_jwks(&provider, &before).await,
        None,
        "the retired key's tokens"
    );
    assert_eq!(
        verify_against_jwks(&provider, &new).await.as_deref(),
        Some(SECOND)
    );
}

#[tokio::test]
async fn a_key_given_as_pem_is_published_with_its_own_modulus() {
    let provider = MockProvider::start().await;
    let third = &SHIPPED_SIGNING_KEYS[2];
    provider
        .add_signing_key("operator-key", Some(third.private_pem))
        .expect("an rsa pem");
    provider.use_signing_key("operator-key").expect("published");
    let jwks = get(&provider.jwks_url()).await.json();
    let published = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == "operator-key")
        .expect("published")
        .clone();
    assert_eq!(published["n"], third.n);
    assert_eq!(published["e"], "AQAB");
    let token = id_token(&provider).await;
    assert_eq!(
        verify_against_jwks(&provider, &token).await.as_deref(),
        Some("operator-key")
    );
    assert_eq!(
        provider.add_signing_key("junk", Some("not a key")),
        Err(SigningKeyError::NotRsaPem {
            kid: "junk".to_owned()
        })
    );
    assert_eq!(
        provider.add_signing_key("operator-key", Some(third.private_pem)),
        Err(SigningKeyError::DuplicateKid {
            kid: "operator-key".to_owned()
        })
    );
}

#[tokio::test]
async fn the_admin_api_rotates_and_names_what_it_refuses() {
    let provider = MockProvider::start().await;
    let url = format!("{}/__admin/signing_keys", provider.uri());
    let post = |body: Value| {
        let url = url.clone();
        async move {
            let answer = http().post(url).json(&body).send().await.expect("admin");
            let status = answer.status().as_u16();
            (status, answer.json::<Value>().await.expect("json"))
        }
    };
    let (status, listing) = post(json!({"op": "rotate", "kid": SECOND})).await;
    assert_eq!(status, 200, "{listing}");
    assert_eq!(
        listing,
        json!({"published": [ID_TOKEN_KEY_ID, SECOND], "active": SECOND})
    );
    let (status, _) = post(json!({"op": "retire", "kid": ID_TOKEN_KEY_ID})).await;
    assert_eq!(status, 200);
    assert_eq!(kids(&get(&provider.jwks_url()).await.json()), [SECOND]);

    let (status, body) = post(json!({"op": "retire", "kid": "nope"})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let (status, body) = post(json!({"op": "add", "kid": "x", "private_key_pem": "junk"})).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().expect("message").contains("`x`"),
        "{body}"
    );
    let (status, body) = post(json!({"op": "spin", "kid": "x"})).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = post(json!({"op": "set_max_age", "seconds": 60})).await;
    assert_eq!(status, 200);
    let listing = get(&url).await.json();
    assert_eq!(listing["active"], SECOND);
}
