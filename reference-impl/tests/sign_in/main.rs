//! Verified Google sign-in (`GoogleSignIn`) against the mock provider over real
//! HTTP on loopback: the callback checks, forged id_tokens of each kind, and the
//! JWKS cache through key rotation.

mod forged;
mod jwks_cache;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

use mock_provider::{Endpoint, MockProvider};
use reference_impl::{Clock, GoogleSignIn, ReqwestTransport, SignInConfig, SignInError};
use secrecy::ExposeSecret;

pub const ALICE: &str = "alice@example.com";

/// The system clock moved by an adjustable number of seconds.
#[derive(Debug, Default)]
pub struct ShiftedClock(AtomicI64);

impl ShiftedClock {
    pub fn advance(&self, by: Duration) {
        self.0
            .fetch_add(i64::try_from(by.as_secs()).unwrap_or(0), Ordering::SeqCst);
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> SystemTime {
        let offset = self.0.load(Ordering::SeqCst);
        let magnitude = Duration::from_secs(offset.unsigned_abs());
        if offset >= 0 {
            SystemTime::now() + magnitude
        } else {
            SystemTime::now() - magnitude
        }
    }
}

pub fn sign_in(provider: &MockProvider, clock: Arc<dyn Clock>) -> GoogleSignIn {
    let config = SignInConfig::new(
        provider.issuer(),
        provider.authorize_url(),
        provider.token_url(),
        provider.jwks_url(),
        provider.client_id(),
        provider.client_secret().expose_secret(),
        provider.redirect_uri(),
    )
    .with_seed(11);
    GoogleSignIn::new(config, clock, Arc::new(ReqwestTransport::new())).expect("valid urls")
}

/// The browser: follows the sign-in URL to the mock, which consents, and returns
/// the callback URL it redirects to.
pub async fn consent(url: &str) -> String {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let answer = browser.get(url).send().await.expect("the mock answers");
    assert_eq!(answer.status(), 302, "{:?}", answer.text().await);
    answer.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned()
}

pub fn code_exchanges(provider: &MockProvider) -> usize {
    provider
        .journal()
        .for_endpoint(Endpoint::Token)
        .into_iter()
        .filter(|entry| entry.grant_type.as_deref() == Some("authorization_code"))
        .count()
}

#[tokio::test]
async fn a_genuine_sign_in_is_verified() {
    let provider = MockProvider::start().await;
    let sign_in = sign_in(&provider, Arc::new(reference_impl::SystemClock));
    let url = sign_in.begin("session-1");
    let query: Vec<(String, String)> = url::Url::parse(&url)
        .expect("a url")
        .query_pairs()
        .into_owned()
        .collect();
    let has = |key: &str| query.iter().any(|(k, _)| k == key);
    assert!(
        has("state") && has("nonce") && has("code_challenge"),
        "{url}"
    );
    assert!(query.contains(&("code_challenge_method".into(), "S256".into())));
    let callback = consent(&url).await;
    let who = sign_in
        .complete("session-1", &callback)
        .await
        .expect("verified");
    let (_, account) = provider
        .accounts()
        .into_iter()
        .find(|(email, _)| email == ALICE)
        .expect("seeded");
    assert_eq!(who.subject, account.subject);
    assert_eq!(who.email, ALICE);
    assert_eq!(sign_in.pending(), 0);
}

#[tokio::test]
async fn a_replayed_state_is_refused_without_a_second_exchange() {
    let provider = MockProvider::start().await;
    let sign_in = sign_in(&provider, Arc::new(reference_impl::SystemClock));
    let callback = consent(&sign_in.begin("session-1")).await;
    sign_in
        .complete("session-1", &callback)
        .await
        .expect("first use");
    let error = sign_in
        .complete("session-1", &callback)
        .await
        .expect_err("replayed");
    assert!(matches!(error, SignInError::UnknownState), "{error:?}");
    assert_eq!(error.kind(), "invalid_state");
    assert_eq!(code_exchanges(&provider), 1);
}

#[tokio::test]
async fn a_state_from_another_browser_session_is_refused_and_burned() {
    let provider = MockProvider::start().await;
    let sign_in = sign_in(&provider, Arc::new(reference_impl::SystemClock));
    // The attacker starts a sign-in and plants the callback in the victim's browser.
    let callback = consent(&sign_in.begin("attacker-session")).await;
    let error = sign_in
        .complete("victim-session", &callback)
        .await
        .expect_err("login csrf");
    assert!(
        matches!(error, SignInError::StateForOtherSession),
        "{error:?}"
    );
    let again = sign_in
        .complete("attacker-session", &callback)
        .await
        .expect_err("the state is spent");
    assert!(matches!(again, SignInError::UnknownState), "{again:?}");
    assert_eq!(code_exchanges(&provider), 0);
}

#[tokio::test]
async fn forged_missing_and_expired_states_are_refused() {
    let provider = MockProvider::start().await;
    let clock = Arc::new(ShiftedClock::default());
    let sign_in = sign_in(&provider, clock.clone());
    let callback = consent(&sign_in.begin("s")).await;
    let mut forged = url::Url::parse(&callback).expect("url");
    let pairs: Vec<(String, String)> = forged
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "state" {
                (k, "forged".into())
            } else {
                (k, v)
            }
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    let error = sign_in
        .complete("s", forged.as_str())
        .await
        .expect_err("forged");
    assert!(matches!(error, SignInError::UnknownState), "{error:?}");
    let error = sign_in
        .complete("s", &format!("{}?code=4/0Ax", provider.redirect_uri()))
        .await
        .expect_err("no state");
    assert!(matches!(error, SignInError::MissingState), "{error:?}");
    clock.advance(Duration::from_secs(11 * 60));
    let error = sign_in
        .complete("s", &callback)
        .await
        .expect_err("too late");
    assert!(matches!(error, SignInError::Expired), "{error:?}");
    assert_eq!(code_exchanges(&provider), 0);
    // No message carries the code.
    let code = url::Url::parse(&callback)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    for error in [error.to_string(), format!("{error:?}")] {
        assert!(!error.contains(&code), "{error}");
    }
}

#[tokio::test]
async fn a_denied_consent_is_named() {
    let provider = MockProvider::builder()
        .consent(mock_provider::ConsentMode::Deny)
        .start()
        .await;
    let sign_in = sign_in(&provider, Arc::new(reference_impl::SystemClock));
    let callback = consent(&sign_in.begin("s")).await;
    let error = sign_in.complete("s", &callback).await.expect_err("denied");
    assert!(
        matches!(&error, SignInError::Denied { error } if error == "access_denied"),
        "{error:?}"
    );
}
