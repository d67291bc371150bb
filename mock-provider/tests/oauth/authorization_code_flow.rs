//! The whole authorization-code flow driven by the `oauth2` crate as a real
//! client over loopback, then the id_token, JWKS and discovery documents.

use crate::common::{self, GMAIL_READONLY, get, http};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use mock_provider::MockProvider;
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, RedirectUrl,
    RequestTokenError, RevocationUrl, Scope, StandardRevocableToken, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::Digest;

#[tokio::test]
async fn the_oauth2_crate_completes_a_pkce_flow_then_refreshes_then_revokes() {
    let provider = MockProvider::start().await;
    let secret = provider.client_secret();
    let client = BasicClient::new(ClientId::new(provider.client_id().to_owned()))
        .set_client_secret(ClientSecret::new(secret.expose_secret().to_owned()))
        .set_auth_uri(AuthUrl::new(provider.authorize_url()).expect("auth url"))
        .set_token_uri(TokenUrl::new(provider.token_url()).expect("token url"))
        .set_redirect_uri(RedirectUrl::new(provider.redirect_uri()).expect("redirect url"))
        // oauth2 refuses a revocation URL that is not https (RFC 7009 §2);
        // `loopback` below sends it to the plain-http socket.
        .set_revocation_url(
            RevocationUrl::new(provider.revoke_url().replacen("http://", "https://", 1))
                .expect("revoke url"),
        );
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (authorize_url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new(GMAIL_READONLY.to_owned()))
        .add_extra_param("access_type", "offline")
        // The seeded grant is alice's earlier consent: without prompt=consent
        // Google would not send a new refresh token.
        .add_extra_param("prompt", "consent")
        .set_pkce_challenge(challenge)
        .url();

    let consent = get(authorize_url.as_str()).await;
    let params = consent.redirect_params();
    assert!(consent.location().starts_with(&provider.redirect_uri()));
    assert_eq!(params["state"], *csrf.secret(), "state is echoed exactly");
    assert_eq!(params["iss"], provider.issuer());
    assert!(params["code"].starts_with("4/0A"));

    let http = http();
    let tokens = client
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("the code exchange succeeds");
    assert!(tokens.access_token().secret().starts_with("ya29."));
    assert_eq!(tokens.expires_in().map(|d| d.as_secs()), Some(3599));
    let refresh_token = tokens
        .refresh_token()
        .expect("offline grants a refresh token");
    assert!(refresh_token.secret().starts_with("1//"));
    assert!(
        provider.access_token_is_valid(&SecretString::from(tokens.access_token().secret().clone()))
    );

    let refreshed = client
        .exchange_refresh_token(refresh_token)
        .request_async(&http)
        .await
        .expect("the refresh succeeds");
    assert_ne!(
        refreshed.access_token().secret(),
        tokens.access_token().secret()
    );
    assert!(
        refreshed.refresh_token().is_none(),
        "Google does not rotate"
    );

    client
        .revoke_token(StandardRevocableToken::RefreshToken(refresh_token.clone()))
        .expect("a revocation url is set")
        .request_async(&loopback)
        .await
        .expect("the revocation succeeds");
    let after = client
        .exchange_refresh_token(refresh_token)
        .request_async(&http)
        .await;
    match after {
        Err(RequestTokenError::ServerResponse(response)) => {
            assert_eq!(*response.error(), BasicErrorResponseType::InvalidGrant);
            assert_eq!(
                response.error_description().map(String::as_str),
                Some("Token has been expired or revoked.")
            );
        }
        other => panic!("a revoked refresh token must be refused, got {other:?}"),
    }
    assert!(!provider.access_token_is_valid(&SecretString::from(
        refreshed.access_token().secret().clone()
    )));
}

/// An oauth2 async HTTP client that sends `https://127.0.0.1` requests to
/// the provider's plain-http loopback socket.
async fn loopback(request: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let url = parts.uri.to_string().replacen("https://", "http://", 1);
    let response = http()
        .request(parts.method, url)
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let mut answer = http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        answer = answer.header(name, value);
    }
    let body = response.bytes().await?.to_vec();
    Ok(answer
        .body(body)
        .expect("a status and headers from a real response"))
}

#[derive(Debug, Deserialize)]
struct IdTokenClaims {
    iss: String,
    aud: String,
    azp: String,
    sub: String,
    email: String,
    iat: u64,
    exp: u64,
    nonce: Option<String>,
    at_hash: String,
}

#[tokio::test]
async fn an_openid_grant_carries_an_id_token_that_the_jwks_verifies() {
    let provider = MockProvider::start().await;
    let scope = format!("openid email {GMAIL_READONLY}");
    let tokens =
        common::offline_tokens(&provider, &[("scope", scope.as_str()), ("nonce", "n-0S6")]).await;
    let id_token = common::text(&tokens, "id_token");

    let jwks = get(&provider.jwks_url()).await.json();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    let header = jsonwebtoken::decode_header(&id_token).expect("a JWT header");
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    let decoding = DecodingKey::from_rsa_components(
        key["n"].as_str().expect("n"),
        key["e"].as_str().expect("e"),
    )
    .expect("an RSA key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[provider.client_id()]);
    validation.set_issuer(&[provider.issuer()]);
    let claims = jsonwebtoken::decode::<IdTokenClaims>(&id_token, &decoding, &validation)
        .expect("the id_token verifies against the JWKS")
        .claims;
    assert_eq!(claims.iss, provider.uri());
    assert_eq!(claims.aud, provider.client_id());
    assert_eq!(claims.azp, provider.client_id());
    assert_eq!(claims.email, "alice@example.com");
    assert_eq!(claims.nonce.as_deref(), Some("n-0S6"));
    // An hour, as Google's, though the access token lives 3599 s.
    assert_eq!(claims.exp - claims.iat, 3600);
    let access_token = common::text(&tokens, "access_token");
    let digest = sha2::Sha256::digest(access_token.as_bytes());
    assert_eq!(claims.at_hash, URL_SAFE_NO_PAD.encode(&digest[..16]));
    let (_, account) = provider
        .accounts()
        .into_iter()
        .find(|(email, _)| email == "alice@example.com")
        .expect("seeded");
    assert_eq!(claims.sub, account.subject);

    let without_openid = common::offline_tokens(&provider, &[("prompt", "consent")]).await;
    assert!(without_openid.get("id_token").is_none());
    let registered = provider.secrets().snapshot();
    assert!(
        registered
            .iter()
            .any(|s| s.kind == mock_provider::SecretKind::IdToken
                && s.value.expose_secret() == id_token),
        "the id_token is in the secret registry"
    );
}

#[tokio::test]
async fn both_discovery_documents_describe_this_provider() {
    let provider = MockProvider::start().await;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let answer = get(&format!("{}{path}", provider.uri())).await;
        assert_eq!(answer.status, 200, "{path}");
        let doc = answer.json();
        assert_eq!(doc["issuer"], provider.uri());
        assert_eq!(doc["authorization_endpoint"], provider.authorize_url());
        assert_eq!(doc["token_endpoint"], provider.token_url());
        assert_eq!(doc["revocation_endpoint"], provider.revoke_url());
        assert_eq!(doc["jwks_uri"], provider.jwks_url());
        assert_eq!(
            doc["code_challenge_methods_supported"],
            serde_json::json!(["plain", "S256"])
        );
        assert_eq!(
            doc["token_endpoint_auth_methods_supported"],
            serde_json::json!(["client_secret_post", "client_secret_basic"])
        );
        let grants = doc["grant_types_supported"]
            .as_array()
            .expect("grant types");
        for grant in [
            "authorization_code",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:jwt-bearer",
        ] {
            assert!(grants.iter().any(|g| g == grant), "{path} lacks {grant}");
        }
        assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
        assert_eq!(
            doc["id_token_signing_alg_values_supported"],
            serde_json::json!(["RS256"])
        );
    }
    let kinds: Vec<_> = provider
        .journal()
        .entries()
        .iter()
        .map(|e| e.endpoint)
        .collect();
    assert_eq!(
        kinds,
        vec![
            mock_provider::Endpoint::Discovery,
            mock_provider::Endpoint::Discovery
        ]
    );
}
