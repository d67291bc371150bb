//! The JWKS cache through key rotation, Cache-Control, invented `kid`s and an
//! unavailable JWKS.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mock_provider::{Endpoint, Fault, ID_TOKEN_KEY_ID, MockProvider, SHIPPED_SIGNING_KEYS};
use reference_impl::{IdTokenRejection, SignInError};
use serde_json::json;

use crate::{ALICE, ShiftedClock, consent, sign_in};

fn token(provider: &MockProvider, nonce: &str, key: usize, kid: &str) -> String {
    let iat = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let claims = json!({
        "iss": provider.issuer(), "aud": provider.client_id(), "azp": provider.client_id(),
        "sub": "1", "email": ALICE, "email_verified": true,
        "iat": iat, "exp": iat + 3600, "nonce": nonce,
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let key = EncodingKey::from_rsa_pem(SHIPPED_SIGNING_KEYS[key].private_pem.as_bytes())
        .expect("a shipped key");
    jsonwebtoken::encode(&header, &claims, &key).expect("signs")
}

#[tokio::test]
async fn a_key_rotation_between_sign_ins_costs_one_refetch_and_fails_no_login() {
    let provider = MockProvider::start().await;
    let sign_in = sign_in(&provider, Arc::new(reference_impl::SystemClock));
    let login = |session: &'static str| {
        let sign_in = sign_in.clone();
        async move {
            let callback = consent(&sign_in.begin(session)).await;
            sign_in.complete(session, &callback).await
        }
    };
    login("a").await.expect("before the rotation");
    assert_eq!(sign_in.jwks_fetches().await, 1);

    provider
        .add_signing_key("oauth-chaos-mock-2", None)
        .expect("shipped");
    provider
        .use_signing_key("oauth-chaos-mock-2")
        .expect("published");
    login("b").await.expect("a new kid: one re-fetch");
    assert_eq!(sign_in.jwks_fetches().await, 2);

    provider
        .retire_signing_key(ID_TOKEN_KEY_ID)
        .expect("not signing");
    login("c").await.expect("the cached set has the new key");
    login("d").await.expect("still cached");
    assert_eq!(sign_in.jwks_fetches().await, 2);
}

#[tokio::test]
async fn invented_kids_cannot_make_the_cache_refetch_more_than_once_per_interval() {
    let provider = MockProvider::start().await;
    let clock = Arc::new(ShiftedClock::default());
    let sign_in = sign_in(&provider, clock.clone());
    sign_in
        .verify(&token(&provider, "n", 0, ID_TOKEN_KEY_ID), "n")
        .await
        .expect("genuine");
    for i in 0..50 {
        let error = sign_in
            .verify(&token(&provider, "n", 2, &format!("invented-{i}")), "n")
            .await
            .expect_err("unknown kid");
        assert!(
            matches!(error, SignInError::IdToken(IdTokenRejection::UnknownKey)),
            "{error:?}"
        );
    }
    assert_eq!(
        sign_in.jwks_fetches().await,
        2,
        "one initial fetch, one re-fetch"
    );
    clock.advance(Duration::from_secs(61));
    let _ = sign_in
        .verify(&token(&provider, "n", 2, "invented-late"), "n")
        .await;
    assert_eq!(sign_in.jwks_fetches().await, 3, "a minute later, one more");
    let jwks_requests = provider.journal().for_endpoint(Endpoint::Jwks).len();
    assert_eq!(jwks_requests, 3);
}

#[tokio::test]
async fn the_jwks_is_kept_for_its_max_age_and_fetched_again_after() {
    let provider = MockProvider::start().await;
    provider.set_jwks_max_age(Duration::from_secs(600));
    let clock = Arc::new(ShiftedClock::default());
    let sign_in = sign_in(&provider, clock.clone());
    let genuine = token(&provider, "n", 0, ID_TOKEN_KEY_ID);
    sign_in.verify(&genuine, "n").await.expect("genuine");
    clock.advance(Duration::from_secs(300));
    sign_in.verify(&genuine, "n").await.expect("genuine");
    assert_eq!(sign_in.jwks_fetches().await, 1, "fresh for 600 s");
    clock.advance(Duration::from_secs(400));
    sign_in.verify(&genuine, "n").await.expect("genuine");
    assert_eq!(sign_in.jwks_fetches().await, 2, "stale after 600 s");
}

#[tokio::test]
async fn an_unavailable_jwks_fails_the_login_as_retryable_and_a_stale_copy_is_used() {
    let provider = MockProvider::start().await;
    provider.set_jwks_max_age(Duration::from_secs(60));
    let clock = Arc::new(ShiftedClock::default());
    let sign_in = sign_in(&provider, clock.clone());
    let genuine = token(&provider, "n", 0, ID_TOKEN_KEY_ID);
    {
        let _down = provider.mount(Fault::on(Endpoint::Jwks).server_error(503));
        let error = sign_in
            .verify(&genuine, "n")
            .await
            .expect_err("no keys yet");
        assert!(
            matches!(error, SignInError::JwksUnavailable { .. }),
            "{error:?}"
        );
        assert_eq!(error.kind(), "unavailable");
    }
    clock.advance(Duration::from_secs(61));
    sign_in.verify(&genuine, "n").await.expect("fetched now");
    clock.advance(Duration::from_secs(61));
    let _down = provider.mount(Fault::on(Endpoint::Jwks).server_error(503));
    sign_in
        .verify(&genuine, "n")
        .await
        .expect("the stale copy has the key");
}
