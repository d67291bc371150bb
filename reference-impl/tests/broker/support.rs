//! Shared fixtures: a clock tests can move, a Google-shaped token endpoint, a broker.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reference_impl::{BrokerConfig, Clock, MemoryStore, ReqwestTransport, TokenBroker};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

pub const CLIENT_SECRET: &str = "GOCSPX-client-secret";
pub const REFRESH_TOKEN: &str = "1//refresh-token-alice";
pub const ACCESS_TOKEN: &str = "ya29.access-token-one";

/// A wall clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    pub fn new() -> Arc<Self> {
        Arc::new(Self(Mutex::new(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        )))
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

/// Matches refresh-token requests to `/token`.
pub fn refresh_request() -> MockBuilder {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
}

/// Google's answer to a refresh: no `refresh_token`, `expires_in` 3599.
pub fn google_token(access_token: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header(
            "cache-control",
            "no-cache, no-store, max-age=0, must-revalidate",
        )
        .set_body_json(serde_json::json!({
            "access_token": access_token,
            "expires_in": 3599,
            "scope": "https://www.googleapis.com/auth/gmail.readonly",
            "token_type": "Bearer",
        }))
}

pub fn google_error(status: u16, error: &str, description: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(serde_json::json!({ "error": error, "error_description": description }))
}

pub struct Fixture {
    pub server: MockServer,
    pub clock: Arc<ManualClock>,
    pub store: Arc<MemoryStore>,
    pub broker: TokenBroker,
}

/// A broker for account `alice` against a fresh mock token endpoint, with no jitter so
/// refresh points are exact.
pub async fn fixture() -> Fixture {
    let server = MockServer::start().await;
    let clock = ManualClock::new();
    let store = Arc::new(MemoryStore::new());
    let config = BrokerConfig::new(
        format!("{}/token", server.uri()),
        "client-id",
        CLIENT_SECRET,
    )
    .with_refresh_jitter(Duration::ZERO);
    let broker = TokenBroker::new(
        config,
        clock.clone(),
        Arc::new(ReqwestTransport::new()),
        store.clone(),
    )
    .expect("valid config");
    broker.add_account("alice", REFRESH_TOKEN.into()).await;
    Fixture {
        server,
        clock,
        store,
        broker,
    }
}
