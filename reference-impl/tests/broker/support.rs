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

/// A wall clock driven by tokio's (paused) timer: epoch + elapsed tokio time.
#[derive(Debug)]
pub struct TokioClock(tokio::time::Instant);

impl TokioClock {
    pub fn new() -> Arc<Self> {
        Arc::new(Self(tokio::time::Instant::now()))
    }
}

impl Clock for TokioClock {
    fn now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000) + self.0.elapsed()
    }
}

type Responder = dyn Fn(&reference_impl::HttpRequest) -> reference_impl::HttpResponse + Send + Sync;

/// An in-memory token endpoint: answers with `respond`, counts and keeps requests.
pub struct ScriptedTransport {
    respond: Box<Responder>,
    pub delay: Duration,
    pub requests: Mutex<Vec<String>>,
}

impl std::fmt::Debug for ScriptedTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScriptedTransport")
    }
}

impl ScriptedTransport {
    pub fn new(
        delay: Duration,
        respond: impl Fn(&reference_impl::HttpRequest) -> reference_impl::HttpResponse
        + Send
        + Sync
        + 'static,
    ) -> Arc<Self> {
        Arc::new(Self {
            respond: Box::new(respond),
            delay,
            requests: Mutex::new(Vec::new()),
        })
    }

    /// Google's refresh answer with a counter in the token, so each refresh differs.
    pub fn google() -> Arc<Self> {
        let issued = std::sync::atomic::AtomicU64::new(0);
        Self::new(Duration::from_millis(50), move |_| {
            let n = issued.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            json_response(
                200,
                serde_json::json!({"access_token": format!("ya29.mem-{n}"), "expires_in": 3599, "token_type": "Bearer"}),
            )
        })
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

pub fn json_response(status: u16, body: serde_json::Value) -> reference_impl::HttpResponse {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap()
}

impl reference_impl::HttpTransport for ScriptedTransport {
    fn send(
        &self,
        request: reference_impl::HttpRequest,
    ) -> futures::future::BoxFuture<
        'static,
        Result<reference_impl::HttpResponse, reference_impl::TransportError>,
    > {
        self.requests
            .lock()
            .unwrap()
            .push(String::from_utf8_lossy(request.body()).into_owned());
        let response = (self.respond)(&request);
        let delay = self.delay;
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            Ok(response)
        })
    }
}

/// A broker on a paused tokio clock and an in-memory endpoint, with account `alice`.
pub async fn sim_broker(
    transport: Arc<ScriptedTransport>,
    store: Arc<dyn reference_impl::TokenStore>,
    configure: impl FnOnce(BrokerConfig) -> BrokerConfig,
) -> TokenBroker {
    let config = configure(
        BrokerConfig::new("https://oauth2.example/token", "client-id", CLIENT_SECRET).with_seed(7),
    );
    let broker = TokenBroker::new(config, TokioClock::new(), transport, store).unwrap();
    broker.add_account("alice", REFRESH_TOKEN.into()).await;
    broker
}
