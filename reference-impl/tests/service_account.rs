//! Service-account acquisition (the jwt-bearer grant) against the mock provider over
//! real HTTP on loopback.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

use futures::future::join_all;
use mock_provider::{Fault, JournalEntry, MockProvider};
use reference_impl::{
    AccountState, AssertionRejection, BrokerConfig, BrokerError, Clock, ErrorKind, FileStore,
    Keyring, MemoryStore, ReqwestTransport, ServiceAccountGrant, ServiceAccountKey, TokenBroker,
    TokenStore,
};

const ROBOT: &str = "robot@project.iam.gserviceaccount.com";
const PRIVATE_KEY: &str = include_str!("../../mock-provider/tests/keys/service_account.pem");
const PUBLIC_KEY: &[u8] = include_bytes!("../../mock-provider/tests/keys/service_account.pub.pem");
/// A key the provider never registered for the robot.
const OTHER_KEY: &str = include_str!("../../mock-provider/src/signing/id_token_key.pem");
const READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The system clock moved by an adjustable offset; shared by the provider and the
/// broker when a test needs both to age together.
#[derive(Debug, Default)]
struct ShiftedClock {
    offset_secs: AtomicI64,
}

impl ShiftedClock {
    fn advance(&self, by: Duration) {
        self.offset_secs
            .fetch_add(i64::try_from(by.as_secs()).unwrap_or(0), Ordering::SeqCst);
    }

    fn read(&self) -> SystemTime {
        let offset = self.offset_secs.load(Ordering::SeqCst);
        let magnitude = Duration::from_secs(offset.unsigned_abs());
        if offset >= 0 {
            SystemTime::now() + magnitude
        } else {
            SystemTime::now() - magnitude
        }
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> SystemTime {
        self.read()
    }
}

impl mock_provider::Clock for ShiftedClock {
    fn now(&self) -> SystemTime {
        self.read()
    }
}

async fn provider_with(clock: Option<Arc<ShiftedClock>>) -> MockProvider {
    let mut builder = MockProvider::builder()
        .service_account(ROBOT, PUBLIC_KEY)
        .expect("a valid public key");
    if let Some(clock) = clock {
        builder = builder.clock(clock);
    }
    builder.start().await
}

fn broker(
    provider: &MockProvider,
    clock: Arc<dyn Clock>,
    store: Arc<dyn TokenStore>,
) -> TokenBroker {
    let config =
        BrokerConfig::new(provider.token_url(), "unused-client", "unused-secret").with_seed(3);
    TokenBroker::new(config, clock, Arc::new(ReqwestTransport::new()), store).expect("valid urls")
}

fn robot_grant(pem: &str) -> ServiceAccountGrant {
    let key = ServiceAccountKey::from_parts(ROBOT, Some("key-1".to_owned()), pem).expect("rsa pem");
    ServiceAccountGrant::new(key, [READONLY])
}

fn assertion_exchanges(provider: &MockProvider) -> Vec<JournalEntry> {
    provider
        .journal()
        .entries()
        .into_iter()
        .filter(|entry| entry.grant_type.as_deref() == Some(JWT_BEARER))
        .collect()
}

#[tokio::test]
async fn a_hundred_callers_cause_one_assertion_exchange_and_then_the_cache_serves() {
    let provider = provider_with(None).await;
    let broker = broker(
        &provider,
        Arc::new(reference_impl::SystemClock),
        Arc::new(MemoryStore::new()),
    );
    broker
        .add_service_account("robot", robot_grant(PRIVATE_KEY))
        .await;

    let tokens = join_all((0..100).map(|_| broker.access_token("robot"))).await;
    let first = tokens[0]
        .as_ref()
        .expect("a token")
        .expose_secret()
        .to_owned();
    assert!(first.starts_with("ya29."));
    assert!(
        tokens
            .iter()
            .all(|t| t.as_ref().expect("a token").expose_secret() == first)
    );
    let again = broker.access_token("robot").await.expect("cached");
    assert_eq!(again.expose_secret(), first);
    let exchanges = assertion_exchanges(&provider);
    assert_eq!(exchanges.len(), 1, "{exchanges:?}");
    assert_eq!(exchanges[0].account.as_deref(), Some(ROBOT));
    assert!(provider.access_token_is_valid(&secrecy::SecretString::from(first)));
}

#[tokio::test]
async fn the_token_is_reacquired_before_it_expires() {
    let clock = Arc::new(ShiftedClock::default());
    let provider = provider_with(Some(Arc::clone(&clock))).await;
    let broker = broker(&provider, clock.clone(), Arc::new(MemoryStore::new()));
    broker
        .add_service_account("robot", robot_grant(PRIVATE_KEY))
        .await;
    let first = broker.access_token("robot").await.expect("a token");

    // 3599 s tokens, a 5 min buffer and up to 30 s jitter: due by minute 55.
    clock.advance(Duration::from_secs(56 * 60));
    let second = broker.access_token("robot").await.expect("a new token");
    assert_ne!(first.expose_secret(), second.expose_secret());
    assert_eq!(assertion_exchanges(&provider).len(), 2);
    let status = broker.status();
    assert_eq!(status[0].state, AccountState::Ok);
    assert!(status[0].time_to_expiry.expect("cached") > Duration::from_secs(50 * 60));
}

#[tokio::test]
async fn a_subject_gets_a_token_acting_as_that_user() {
    let provider = provider_with(None).await;
    let broker = broker(
        &provider,
        Arc::new(reference_impl::SystemClock),
        Arc::new(MemoryStore::new()),
    );
    let grant = robot_grant(PRIVATE_KEY).acting_as("alice@example.com");
    broker.add_service_account("alice-via-robot", grant).await;
    broker
        .access_token("alice-via-robot")
        .await
        .expect("a token");
    let exchanges = assertion_exchanges(&provider);
    assert_eq!(exchanges[0].account.as_deref(), Some("alice@example.com"));
    assert_eq!(exchanges[0].client_id.as_deref(), Some(ROBOT));
}

#[tokio::test]
async fn a_key_the_provider_does_not_know_fails_once_and_then_fast() {
    let provider = provider_with(None).await;
    let broker = broker(
        &provider,
        Arc::new(reference_impl::SystemClock),
        Arc::new(MemoryStore::new()),
    );
    broker
        .add_service_account("robot", robot_grant(OTHER_KEY))
        .await;
    let error = broker.access_token("robot").await.expect_err("refused");
    assert!(
        matches!(
            &error,
            BrokerError::AssertionRejected { reason: AssertionRejection::KeyNotRecognized, error, .. }
                if error == "invalid_grant"
        ),
        "{error:?}"
    );
    assert_eq!(error.kind(), ErrorKind::Revoked);
    let again = broker
        .access_token("robot")
        .await
        .expect_err("still refused");
    assert!(
        matches!(again, BrokerError::NeedsReauth { .. }),
        "{again:?}"
    );
    assert_eq!(
        assertion_exchanges(&provider).len(),
        1,
        "no retry after invalid_grant"
    );
    assert_eq!(broker.status()[0].state, AccountState::NeedsReauth);
}

#[tokio::test]
async fn an_unknown_service_account_is_named_as_such() {
    let provider = provider_with(None).await;
    let broker = broker(
        &provider,
        Arc::new(reference_impl::SystemClock),
        Arc::new(MemoryStore::new()),
    );
    let key =
        ServiceAccountKey::from_parts("ghost@project.iam.gserviceaccount.com", None, PRIVATE_KEY)
            .expect("rsa pem");
    broker
        .add_service_account("ghost", ServiceAccountGrant::new(key, [READONLY]))
        .await;
    let error = broker.access_token("ghost").await.expect_err("refused");
    assert!(
        matches!(
            &error,
            BrokerError::AssertionRejected {
                reason: AssertionRejection::UnknownServiceAccount,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_broker_clock_ten_minutes_ahead_is_told_its_clock_is_off() {
    let provider = provider_with(None).await;
    let clock = Arc::new(ShiftedClock::default());
    clock.advance(Duration::from_secs(600));
    let broker = broker(&provider, clock, Arc::new(MemoryStore::new()));
    broker
        .add_service_account("robot", robot_grant(PRIVATE_KEY))
        .await;
    let error = broker
        .access_token("robot")
        .await
        .expect_err("iat in the future");
    let BrokerError::AssertionRejected {
        reason: AssertionRejection::ClockSkew { provider_ahead_by },
        ..
    } = &error
    else {
        panic!("expected a clock skew rejection, got {error:?}");
    };
    // The socket's `Date` header is the provider's wall clock: about 600 s behind us.
    let offset = provider_ahead_by.expect("hyper sends a Date header");
    assert!((-610..=-590).contains(&offset), "{offset}");
    let message = error.to_string();
    assert!(message.contains("clock"), "{message}");
    assert!(message.contains("`iat`/`exp`"), "{message}");
}

#[tokio::test]
async fn a_503_storm_is_retried_with_backoff_and_the_token_arrives_after_it() {
    let provider = provider_with(None).await;
    let storm = provider.mount(
        Fault::on(mock_provider::Endpoint::Token)
            .server_error(503)
            .times(3),
    );
    let broker = broker(
        &provider,
        Arc::new(reference_impl::SystemClock),
        Arc::new(MemoryStore::new()),
    );
    broker
        .add_service_account("robot", robot_grant(PRIVATE_KEY))
        .await;
    // A token with no cached copy is an emergency: the first call retries inline.
    let token = broker.access_token("robot").await.expect("after the storm");
    assert!(token.expose_secret().starts_with("ya29."));
    let exchanges = assertion_exchanges(&provider);
    assert_eq!(exchanges.len(), 4, "three 503s, then the success");
    drop(storm);
}

#[tokio::test]
async fn the_key_is_sealed_at_rest_and_a_restarted_broker_uses_it() {
    let provider = provider_with(None).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let keyring = Keyring::generate("k1");
    let store: Arc<dyn TokenStore> =
        Arc::new(FileStore::open(dir.path(), keyring.clone()).expect("file store"));
    let first = broker(
        &provider,
        Arc::new(reference_impl::SystemClock),
        Arc::clone(&store),
    );
    first
        .add_service_account("robot", robot_grant(PRIVATE_KEY))
        .await;
    first.access_token("robot").await.expect("a token");

    let key_body = PRIVATE_KEY.lines().nth(1).expect("a base64 line");
    for entry in std::fs::read_dir(dir.path()).expect("dir") {
        let bytes = std::fs::read(entry.expect("entry").path()).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(key_body), "key material at rest");
        assert!(!text.contains("PRIVATE KEY"), "key material at rest");
    }
    assert!(!format!("{first:?}").contains(key_body));

    drop(first);
    let reopened: Arc<dyn TokenStore> =
        Arc::new(FileStore::open(dir.path(), keyring).expect("file store"));
    let stored = reopened.load("robot").await.expect("load").expect("stored");
    let sealed_grant = stored
        .service_account
        .as_ref()
        .expect("service account kept");
    assert_eq!(sealed_grant.key.client_email(), ROBOT);
    assert!(!format!("{stored:?}").contains(key_body));
    let restarted = broker(&provider, Arc::new(reference_impl::SystemClock), reopened);
    restarted
        .access_token("robot")
        .await
        .expect("served from the stored grant");
}
