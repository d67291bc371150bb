//! The authorization code flow with PKCE S256 and one-time state, against a wiremock
//! token endpoint (the browser leg is played by the test).

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reference_impl::{
    AccountState, AuthorizationError, BrokerConfig, MemoryStore, ReqwestTransport, TokenBroker,
};
use sha2::{Digest, Sha256};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{CLIENT_SECRET, ManualClock, google_error};

const REDIRECT: &str = "http://127.0.0.1:8765/callback";
const SCOPES: [&str; 2] = [
    "https://www.googleapis.com/auth/gmail.readonly",
    "https://www.googleapis.com/auth/gmail.send",
];

struct Flow {
    server: MockServer,
    store: Arc<MemoryStore>,
    broker: TokenBroker,
}

async fn flow() -> Flow {
    let server = MockServer::start().await;
    let store = Arc::new(MemoryStore::new());
    let config = BrokerConfig::new(
        format!("{}/token", server.uri()),
        "client-id",
        CLIENT_SECRET,
    )
    .with_scopes(SCOPES)
    .with_authorization(format!("{}/o/oauth2/v2/auth", server.uri()), REDIRECT);
    let broker = TokenBroker::new(
        config,
        ManualClock::new(),
        Arc::new(ReqwestTransport::new()),
        store.clone(),
    )
    .unwrap();
    Flow {
        server,
        store,
        broker,
    }
}

fn query(url: &str) -> BTreeMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

fn callback(state: &str, code: &str) -> String {
    format!("{REDIRECT}?state={state}&code={code}&scope=x")
}

/// Answers a code exchange only for the verifier whose challenge is `challenge`.
async fn mount_code_exchange(server: &MockServer, verifier_for: &str) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains(format!(
            "code_verifier={verifier_for}"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "ya29.from-code", "expires_in": 3599, "token_type": "Bearer",
            "refresh_token": "1//from-code", "scope": SCOPES.join(" "),
        })))
        .mount(server)
        .await;
}

#[tokio::test]
async fn the_authorization_url_asks_for_exactly_the_configured_scopes_offline_with_s256() {
    let f = flow().await;
    let url = f.broker.begin_authorization("alice").unwrap();
    let params = query(&url);

    assert!(url.starts_with(&format!("{}/o/oauth2/v2/auth?", f.server.uri())));
    assert_eq!(params["scope"], SCOPES.join(" "));
    assert_eq!(params["access_type"], "offline");
    assert_eq!(params["prompt"], "consent");
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["redirect_uri"], REDIRECT);
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(params["code_challenge"].len(), 43);
    assert!(params["state"].len() >= 43);
    assert!(!url.contains(CLIENT_SECRET));

    let again = query(&f.broker.begin_authorization("alice").unwrap());
    assert_ne!(again["state"], params["state"]);
    assert_ne!(again["code_challenge"], params["code_challenge"]);
}

#[tokio::test]
async fn a_completed_authorization_exchanges_the_code_with_the_matching_verifier_and_stores_the_grant()
 {
    let f = flow().await;
    let params = query(&f.broker.begin_authorization("alice").unwrap());
    // Any verifier works for this mock; the assertion below checks it matches.
    mount_code_exchange(&f.server, "").await;

    let account = f
        .broker
        .complete_authorization(&callback(&params["state"], "4/0Acode"))
        .await
        .unwrap();
    assert_eq!(account, "alice");

    let requests = f.server.received_requests().await.unwrap();
    let body: BTreeMap<String, String> = url::form_urlencoded::parse(&requests[0].body)
        .into_owned()
        .collect();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(body["code_verifier"].as_bytes()));
    assert_eq!(challenge, params["code_challenge"]);
    assert_eq!(body["code"], "4/0Acode");
    assert_eq!(body["redirect_uri"], REDIRECT);

    let stored = f.store.get("alice").unwrap();
    assert_eq!(stored.refresh_token.expose_secret(), "1//from-code");
    assert_eq!(
        f.broker
            .access_token("alice")
            .await
            .unwrap()
            .expose_secret(),
        "ya29.from-code"
    );
    assert_eq!(f.broker.status()[0].state, AccountState::Ok);
    assert_eq!(
        requests.len(),
        1,
        "the code's access token is served from cache"
    );
}

#[tokio::test]
async fn a_replayed_state_is_rejected_and_the_code_is_not_exchanged_twice() {
    let f = flow().await;
    let params = query(&f.broker.begin_authorization("alice").unwrap());
    mount_code_exchange(&f.server, "").await;
    let url = callback(&params["state"], "4/0Acode");
    f.broker.complete_authorization(&url).await.unwrap();

    let replay = f.broker.complete_authorization(&url).await.unwrap_err();
    assert!(
        matches!(replay, AuthorizationError::UnknownState),
        "{replay:?}"
    );
    assert_eq!(f.server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_wrong_or_missing_state_is_rejected_without_contacting_the_provider() {
    let f = flow().await;
    f.broker.begin_authorization("alice").unwrap();

    let wrong = f
        .broker
        .complete_authorization(&callback("forged-state", "4/0Acode"))
        .await
        .unwrap_err();
    assert!(matches!(wrong, AuthorizationError::UnknownState));
    let missing = f
        .broker
        .complete_authorization(&format!("{REDIRECT}?code=4/0Acode"))
        .await
        .unwrap_err();
    assert!(matches!(missing, AuthorizationError::MissingState));
    assert!(f.server.received_requests().await.unwrap().is_empty());
    assert!(!format!("{wrong} {missing} {wrong:?}").contains("4/0Acode"));
}

#[tokio::test]
async fn an_error_callback_is_a_typed_denial() {
    let f = flow().await;
    let params = query(&f.broker.begin_authorization("alice").unwrap());
    let error = f
        .broker
        .complete_authorization(&format!(
            "{REDIRECT}?error=access_denied&state={}",
            params["state"]
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, AuthorizationError::Denied { account, error } if account == "alice" && error == "access_denied")
    );
}

#[tokio::test]
async fn a_code_minted_for_another_attempt_fails_pkce_and_is_rejected() {
    let f = flow().await;
    let first = query(&f.broker.begin_authorization("alice").unwrap());
    let second = query(&f.broker.begin_authorization("bob").unwrap());
    // The provider only honours the code with the verifier of `first`'s challenge:
    // anything else gets Google's PKCE error.
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(google_error(400, "invalid_grant", "Invalid code verifier."))
        .mount(&f.server)
        .await;
    let _ = first;

    // The attacker's code arrives with the victim's (second) state.
    let error = f
        .broker
        .complete_authorization(&callback(&second["state"], "4/0Acode-of-first"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, AuthorizationError::CodeRejected { ref account, .. } if account == "bob")
    );
    assert!(f.store.get("bob").is_none());
}

#[tokio::test]
async fn a_callback_at_another_address_or_without_a_refresh_token_is_rejected() {
    let f = flow().await;
    let params = query(&f.broker.begin_authorization("alice").unwrap());
    let error = f
        .broker
        .complete_authorization(&format!(
            "http://evil.example/callback?state={}&code=4/x",
            params["state"]
        ))
        .await
        .unwrap_err();
    assert!(matches!(error, AuthorizationError::WrongRedirect { .. }));

    let params = query(&f.broker.begin_authorization("alice").unwrap());
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "ya29.online-only", "expires_in": 3599, "token_type": "Bearer",
        })))
        .mount(&f.server)
        .await;
    let error = f
        .broker
        .complete_authorization(&callback(&params["state"], "4/x"))
        .await
        .unwrap_err();
    assert!(matches!(error, AuthorizationError::NoRefreshToken { .. }));
    assert!(!error.to_string().contains("ya29"));
}

#[tokio::test]
async fn authorization_without_endpoints_configured_is_a_typed_error() {
    let config = BrokerConfig::new("https://o.example/token", "id", "secret");
    let broker = TokenBroker::new(
        config,
        ManualClock::new(),
        Arc::new(ReqwestTransport::new()),
        Arc::new(MemoryStore::new()),
    )
    .unwrap();
    assert!(matches!(
        broker.begin_authorization("alice"),
        Err(AuthorizationError::NotConfigured)
    ));
}

#[tokio::test]
async fn seeded_brokers_issue_the_same_states_and_challenges() {
    let make = || {
        let config = BrokerConfig::new("https://o.example/token", "id", "secret")
            .with_authorization("https://o.example/auth", REDIRECT)
            .with_seed(42);
        TokenBroker::new(
            config,
            ManualClock::new(),
            Arc::new(ReqwestTransport::new()),
            Arc::new(MemoryStore::new()),
        )
        .unwrap()
    };
    assert_eq!(
        make().begin_authorization("alice").unwrap(),
        make().begin_authorization("alice").unwrap()
    );
}
