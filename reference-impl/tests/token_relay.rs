//! The token relay and its client, over real HTTP on loopback, in front of a broker
//! that talks to the mock provider over loopback too.

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures::future::{BoxFuture, join_all};
use mock_provider::{Endpoint, Fault, MockProvider};
use reference_impl::{
    AlertSink, BrokerConfig, Clock, HttpRequest, HttpResponse, HttpTransport, MemoryStore,
    RefreshToken, RelayAlert, RelayClient, RelayClientError, RelayConfig, ReqwestTransport,
    ServiceAccountGrant, ServiceAccountKey, TokenBroker, TokenRelay, TransportError,
};
use secrecy::ExposeSecret;
use serde_json::Value;

const ALICE: &str = "alice@example.com";
const READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
const SEND: &str = "https://www.googleapis.com/auth/gmail.send";
const ROBOT: &str = "robot@project.iam.gserviceaccount.com";
const PRIVATE_KEY: &str = include_str!("../../mock-provider/tests/keys/service_account.pem");
const PUBLIC_KEY: &[u8] = include_bytes!("../../mock-provider/tests/keys/service_account.pub.pem");
const READER: &str = "reader-credential-0123456789abcdef0123456789";
const SENDER: &str = "sender-credential-0123456789abcdef0123456789";
const ROBOT_READER: &str = "robot-reader-credential-0123456789abcdef01";

#[derive(Debug, Default)]
struct ShiftedClock(AtomicI64);

impl ShiftedClock {
    fn advance(&self, by: Duration) {
        self.0
            .fetch_add(i64::try_from(by.as_secs()).unwrap_or(0), Ordering::SeqCst);
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> SystemTime {
        SystemTime::now() + Duration::from_secs(self.0.load(Ordering::SeqCst).unsigned_abs())
    }
}

/// Counts the requests a client sends, to show when it does not.
#[derive(Debug, Default)]
struct Counting {
    inner: ReqwestTransport,
    sent: AtomicUsize,
}

impl HttpTransport for Counting {
    fn send(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        self.sent.fetch_add(1, Ordering::SeqCst);
        self.inner.send(request)
    }
}

#[derive(Debug, Default)]
struct Pager(Mutex<Vec<RelayAlert>>);

impl AlertSink for Pager {
    fn alert(&self, alert: &RelayAlert) {
        self.0.lock().expect("not poisoned").push(alert.clone());
    }
}

struct Rig {
    provider: MockProvider,
    relay: TokenRelay,
    url: String,
    server: RelayServer,
    pager: Arc<Pager>,
    broker_clock: Arc<ShiftedClock>,
}

async fn rig() -> Rig {
    let provider = MockProvider::builder()
        .account(ALICE)
        .scopes([READONLY, SEND])
        .service_account(ROBOT, PUBLIC_KEY)
        .expect("a valid public key")
        .start()
        .await;
    let broker_clock = Arc::new(ShiftedClock::default());
    let config = BrokerConfig::new(
        provider.token_url(),
        provider.client_id(),
        provider.client_secret().expose_secret(),
    )
    .with_seed(9);
    let broker = TokenBroker::new(
        config,
        broker_clock.clone(),
        Arc::new(ReqwestTransport::new()),
        Arc::new(MemoryStore::new()),
    )
    .expect("valid urls");
    let refresh = provider.refresh_token(ALICE).expect("seeded");
    broker
        .add_account(ALICE, RefreshToken::new(refresh.expose_secret()))
        .await;
    let key = ServiceAccountKey::from_parts(ROBOT, None, PRIVATE_KEY).expect("rsa pem");
    broker
        .add_service_account("robot", ServiceAccountGrant::new(key, [READONLY, SEND]))
        .await;
    let config = RelayConfig::new()
        .role("reader", ALICE, [READONLY])
        .role("sender", ALICE, [SEND])
        .role("robot-reader", "robot", [READONLY])
        .consumer("sync-worker", READER, "reader")
        .consumer("outbox-worker", SENDER, "sender")
        .consumer("report-worker", ROBOT_READER, "robot-reader")
        .alert_after(3);
    let pager = Arc::new(Pager::default());
    let relay = TokenRelay::with_alert_sink(broker, config, pager.clone()).expect("valid config");
    let server = RelayServer::start(&relay);
    let url = server.url.clone();
    Rig {
        provider,
        relay,
        url,
        server,
        pager,
        broker_clock,
    }
}

/// The relay on its own runtime and thread, so killing it closes every connection
/// (dropping a runtime cancels all its tasks), as a crashed process would.
struct RelayServer {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RelayServer {
    fn start(relay: &TokenRelay) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let router = relay.router();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                tokio::select! {
                    _ = axum::serve(listener, router) => {}
                    _ = stopped => {}
                }
            });
        });
        Self {
            url,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn kill(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for RelayServer {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn ask(
    url: &str,
    credential: &str,
    body: Option<Value>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut request = reqwest::Client::new()
        .post(format!("{url}/v1/token"))
        .bearer_auth(credential);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = request.send().await.expect("the relay answers");
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    let body = answer.json().await.expect("json");
    (status, body, headers)
}

async fn scope_of(provider: &MockProvider, token: &str) -> String {
    let body: Value = reqwest::Client::new()
        .get(provider.tokeninfo_url())
        .query(&[("access_token", token)])
        .send()
        .await
        .expect("tokeninfo")
        .json()
        .await
        .expect("json");
    body["scope"].as_str().unwrap_or_default().to_owned()
}

fn refreshes(provider: &MockProvider) -> usize {
    provider.journal().for_endpoint(Endpoint::Token).len()
}

#[tokio::test]
async fn each_consumer_gets_only_its_roles_scopes_and_never_a_credential() {
    let rig = rig().await;
    let refresh = rig.provider.refresh_token(ALICE).expect("seeded");
    for (credential, scope) in [(READER, READONLY), (SENDER, SEND), (ROBOT_READER, READONLY)] {
        let (status, body, headers) = ask(&rig.url, credential, None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(headers["cache-control"], "no-store");
        let fields: Vec<&String> = body.as_object().expect("object").keys().collect();
        assert_eq!(
            fields,
            ["access_token", "expires_in", "scope", "token_type"]
        );
        let token = body["access_token"].as_str().expect("a token");
        assert_eq!(scope_of(&rig.provider, token).await, scope);
        assert_eq!(body["scope"], scope);
        assert!(body["expires_in"].as_u64().expect("seconds") > 3000);
        let text = body.to_string();
        assert!(!text.contains(refresh.expose_secret()));
        assert!(!text.contains("PRIVATE KEY"));
    }
}

#[tokio::test]
async fn scopes_beyond_the_role_and_unknown_credentials_are_refused() {
    let rig = rig().await;
    let (status, body, _) = ask(
        &rig.url,
        READER,
        Some(serde_json::json!({"scopes": [SEND]})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("scope_not_allowed")),
        "{body}"
    );
    assert_eq!(body["retryable"], false);
    let (status, body, headers) =
        ask(&rig.url, "not-a-consumer-credential-at-all-000000", None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_consumer")),
        "{body}"
    );
    assert_eq!(headers["www-authenticate"], "Bearer");
    assert_eq!(refreshes(&rig.provider), 0, "nothing was acquired for them");
}

#[tokio::test]
async fn a_hundred_consumers_of_one_role_cause_one_acquisition() {
    let rig = rig().await;
    let answers = join_all((0..100).map(|_| ask(&rig.url, READER, None))).await;
    let first = answers[0].1["access_token"].clone();
    assert!(
        answers
            .iter()
            .all(|(status, body, _)| *status == 200 && body["access_token"] == first)
    );
    assert_eq!(refreshes(&rig.provider), 1);
    let stats = rig.relay.stats();
    assert_eq!(stats["reader"].served, 100);
    assert_eq!(stats["reader"].consecutive_failures, 0);
}

#[tokio::test]
async fn a_failing_upstream_alerts_after_three_failures_and_consumers_fail_fast() {
    let rig = rig().await;
    let _storm = rig
        .provider
        .mount(Fault::on(Endpoint::Token).server_error(503));
    let transport = Arc::new(Counting::default());
    let client = RelayClient::new(
        &rig.url,
        READER,
        Arc::new(reference_impl::SystemClock),
        transport.clone(),
    );
    for streak in 1..=3 {
        let (status, body, headers) = ask(&rig.url, READER, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (503, Some("upstream_unavailable")),
            "{body}"
        );
        assert_eq!(body["retryable"], true);
        assert!(headers.contains_key("retry-after"));
        assert_eq!(rig.relay.stats()["reader"].consecutive_failures, streak);
        // Past the broker's backoff, so the next request is a real attempt.
        rig.broker_clock.advance(Duration::from_secs(120));
    }
    let alerts = rig.pager.0.lock().expect("not poisoned").clone();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(
        (alerts[0].role.as_str(), alerts[0].consecutive_failures),
        ("reader", 3)
    );
    let health: Value = reqwest::get(format!("{}/v1/health", rig.url))
        .await
        .expect("health")
        .json()
        .await
        .expect("json");
    assert_eq!(health["status"], "alerting");
    assert_eq!(health["roles"]["reader"]["alerting"], true);

    let error = client.token().await.expect_err("upstream down");
    assert!(error.is_retryable(), "{error:?}");
    let RelayClientError::Unavailable { retry_after } = error else {
        panic!("{error:?}");
    };
    assert!(retry_after >= Duration::from_secs(1));
    let sent = transport.sent.load(Ordering::SeqCst);
    for _ in 0..20 {
        let again = client.token().await.expect_err("still gated");
        assert!(again.is_retryable());
    }
    assert_eq!(
        transport.sent.load(Ordering::SeqCst),
        sent,
        "no request inside the backoff"
    );
}

#[tokio::test]
async fn consumers_keep_a_cached_token_through_a_relay_outage_then_fail_fast() {
    let rig = rig().await;
    let clock = Arc::new(ShiftedClock::default());
    let transport = Arc::new(Counting::default());
    let client = RelayClient::new(&rig.url, SENDER, clock.clone(), transport.clone());
    let token = client.token().await.expect("relay up");
    let mut rig = rig;
    rig.server.kill();
    let cached = client
        .token()
        .await
        .expect("cached while the relay is down");
    assert_eq!(
        cached.access_token.expose_secret(),
        token.access_token.expose_secret()
    );
    assert_eq!(transport.sent.load(Ordering::SeqCst), 1);

    clock.advance(Duration::from_secs(3600));
    let error = client
        .token()
        .await
        .expect_err("expired and the relay is down");
    assert!(
        matches!(error, RelayClientError::Unavailable { .. }),
        "{error:?}"
    );
    let sent = transport.sent.load(Ordering::SeqCst);
    let again = client.token().await.expect_err("gated");
    assert!(again.is_retryable());
    assert_eq!(transport.sent.load(Ordering::SeqCst), sent);
}

#[tokio::test]
async fn a_revoked_grant_is_a_non_retryable_error_for_its_consumers() {
    let rig = rig().await;
    rig.provider.revoke_account(ALICE);
    let client = RelayClient::new(
        &rig.url,
        READER,
        Arc::new(reference_impl::SystemClock),
        Arc::new(ReqwestTransport::new()),
    );
    let error = client.token().await.expect_err("revoked");
    assert_eq!(error, RelayClientError::Revoked);
    assert!(!error.is_retryable());
    // The robot's role does not depend on alice's grant.
    let robot = RelayClient::new(
        &rig.url,
        ROBOT_READER,
        Arc::new(reference_impl::SystemClock),
        Arc::new(ReqwestTransport::new()),
    );
    robot.token().await.expect("another role still works");
}
