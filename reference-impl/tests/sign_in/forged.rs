//! Forged id_tokens of each kind, answered by the mock's token endpoint (a one-shot
//! fault) in place of the genuine one: each is refused with its own reason.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mock_provider::{Endpoint, Fault, MockProvider, SHIPPED_SIGNING_KEYS};
use reference_impl::{GoogleSignIn, IdTokenRejection, SignInError, VerifiedIdentity};
use serde_json::{Value, json};

use crate::{ALICE, consent, sign_in};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// The claims of a genuine id_token for this sign-in.
fn genuine(provider: &MockProvider, nonce: &str) -> Value {
    let iat = now();
    json!({
        "iss": provider.issuer(), "aud": provider.client_id(), "azp": provider.client_id(),
        "sub": "1234567890", "email": ALICE, "email_verified": true,
        "iat": iat, "exp": iat + 3600, "nonce": nonce,
    })
}

/// Signs `claims` with shipped key `index` under header `kid`.
fn sign(claims: &Value, index: usize, kid: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let key = EncodingKey::from_rsa_pem(SHIPPED_SIGNING_KEYS[index].private_pem.as_bytes())
        .expect("a shipped key");
    jsonwebtoken::encode(&header, claims, &key).expect("signs")
}

fn unsigned(header: &Value, claims: &Value) -> String {
    let part = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    format!("{}.{}.", part(header), part(claims))
}

const PUBLISHED: &str = mock_provider::ID_TOKEN_KEY_ID;

/// Runs one sign-in whose token response carries the id_token `forge` makes from
/// the sign-in's nonce.
async fn sign_in_with(
    provider: &MockProvider,
    sign_in: &GoogleSignIn,
    forge: impl FnOnce(&str) -> String,
) -> Result<VerifiedIdentity, SignInError> {
    let url = sign_in.begin("s");
    let nonce = url::Url::parse(&url)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "nonce")
        .map(|(_, v)| v.into_owned())
        .expect("a nonce");
    let callback = consent(&url).await;
    let body = json!({
        "access_token": "ya29.forged", "expires_in": 3599, "token_type": "Bearer",
        "id_token": forge(&nonce),
    });
    let _fault = provider.mount(
        Fault::on(Endpoint::Token)
            .respond(http::StatusCode::OK, body.to_string())
            .times(1),
    );
    sign_in.complete("s", &callback).await
}

#[tokio::test]
async fn every_kind_of_forged_id_token_is_refused_for_its_own_reason() {
    let provider = MockProvider::start().await;
    let sign_in = sign_in(&provider, Arc::new(reference_impl::SystemClock));
    let p = &provider;
    type Forge<'a> = Box<dyn Fn(&str) -> String + 'a>;
    let cases: Vec<(&str, Forge<'_>, IdTokenRejection)> = vec![
        (
            "signed by a key the jwks does not publish, under a published kid",
            Box::new(|n| sign(&genuine(p, n), 2, PUBLISHED)),
            IdTokenRejection::BadSignature,
        ),
        (
            "an unknown kid",
            Box::new(|n| sign(&genuine(p, n), 2, "oauth-chaos-mock-3")),
            IdTokenRejection::UnknownKey,
        ),
        (
            "alg none",
            Box::new(|n| unsigned(&json!({"alg": "none", "kid": PUBLISHED}), &genuine(p, n))),
            IdTokenRejection::UnsupportedAlgorithm,
        ),
        (
            "HS256 keyed with the public modulus",
            Box::new(|n| {
                let mut header = Header::new(Algorithm::HS256);
                header.kid = Some(PUBLISHED.to_owned());
                let key = EncodingKey::from_secret(SHIPPED_SIGNING_KEYS[0].n.as_bytes());
                jsonwebtoken::encode(&header, &genuine(p, n), &key).expect("signs")
            }),
            IdTokenRejection::UnsupportedAlgorithm,
        ),
        (
            "expired an hour ago",
            Box::new(|n| {
                let mut claims = genuine(p, n);
                claims["iat"] = json!(now() - 7200);
                claims["exp"] = json!(now() - 3600);
                sign(&claims, 0, PUBLISHED)
            }),
            IdTokenRejection::Expired,
        ),
        (
            "issued ten minutes in the future",
            Box::new(|n| {
                let mut claims = genuine(p, n);
                claims["iat"] = json!(now() + 600);
                claims["exp"] = json!(now() + 4200);
                sign(&claims, 0, PUBLISHED)
            }),
            IdTokenRejection::NotYetValid,
        ),
        (
            "for another audience",
            Box::new(|n| {
                let mut claims = genuine(p, n);
                claims["aud"] = json!("another-client.apps.googleusercontent.com");
                sign(&claims, 0, PUBLISHED)
            }),
            IdTokenRejection::WrongAudience,
        ),
        (
            "for another authorized party",
            Box::new(|n| {
                let mut claims = genuine(p, n);
                claims["azp"] = json!("another-client.apps.googleusercontent.com");
                sign(&claims, 0, PUBLISHED)
            }),
            IdTokenRejection::WrongAuthorizedParty,
        ),
        (
            "from another issuer",
            Box::new(|n| {
                let mut claims = genuine(p, n);
                claims["iss"] = json!("https://evil.example");
                sign(&claims, 0, PUBLISHED)
            }),
            IdTokenRejection::WrongIssuer,
        ),
        (
            "a replayed token from an earlier sign-in (its nonce)",
            Box::new(|_| sign(&genuine(p, "an-earlier-sign-ins-nonce"), 0, PUBLISHED)),
            IdTokenRejection::NonceMismatch,
        ),
        (
            "an unverified email",
            Box::new(|n| {
                let mut claims = genuine(p, n);
                claims["email_verified"] = json!(false);
                sign(&claims, 0, PUBLISHED)
            }),
            IdTokenRejection::EmailNotVerified,
        ),
        (
            "not a jwt",
            Box::new(|_| "not.a-jwt".to_owned()),
            IdTokenRejection::Malformed,
        ),
    ];
    for (what, forge, expected) in cases {
        let error = sign_in_with(p, &sign_in, forge).await.expect_err(what);
        assert!(
            matches!(&error, SignInError::IdToken(why) if *why == expected),
            "{what}: {error:?}"
        );
        assert_eq!(error.kind(), "invalid_id_token", "{what}");
    }
    // One fetch for the first token; the unknown kid was allowed one re-fetch.
    assert_eq!(sign_in.jwks_fetches().await, 2);
}

#[tokio::test]
async fn a_token_signed_by_the_published_key_passes_within_the_leeway() {
    let provider = MockProvider::start().await;
    let sign_in = sign_in(&provider, Arc::new(reference_impl::SystemClock));
    let who = sign_in_with(&provider, &sign_in, |n| {
        let mut claims = genuine(&provider, n);
        claims["iat"] = json!(now() - 3630);
        claims["exp"] = json!(now() - 30);
        claims["email_verified"] = json!("true");
        sign(&claims, 0, PUBLISHED)
    })
    .await
    .expect("30 s past exp is within the 60 s leeway; a string \"true\" counts");
    assert_eq!(who.email, ALICE);
}

#[tokio::test]
async fn both_forms_of_googles_issuer_are_accepted_and_nothing_else() {
    let provider = MockProvider::builder()
        .issuer("https://accounts.google.com")
        .start()
        .await;
    let sign_in = sign_in(&provider, Arc::new(reference_impl::SystemClock));
    let genuine_flow = crate::consent(&sign_in.begin("g")).await;
    sign_in
        .complete("g", &genuine_flow)
        .await
        .expect("the mock's own id_token, iss with the scheme");
    for (iss, accepted) in [
        ("accounts.google.com", true),
        ("http://accounts.google.com", false),
        ("https://accounts.google.com.evil.example", false),
    ] {
        let result = sign_in_with(&provider, &sign_in, |n| {
            let mut claims = genuine(&provider, n);
            claims["iss"] = json!(iss);
            sign(&claims, 0, PUBLISHED)
        })
        .await;
        assert_eq!(result.is_ok(), accepted, "{iss}: {result:?}");
    }
}
