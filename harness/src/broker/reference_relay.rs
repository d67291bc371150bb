//! The reference token relay in process: a `TokenRelay` over its own
//! `TokenBroker` and store (the auth worker), and one `RelayClient` per consumer
//! whose transport reaches the relay's router in memory. Taking the relay down
//! makes every consumer's request fail to connect; bringing it back builds a new
//! broker and relay over the same store, as a restarted process would.

use super::{BrokerEnv, BrokerFailure, FailureKind, RelayAnswer, RelaySetup};
use futures::future::BoxFuture;
use http_body_util::BodyExt;
use reference_impl::{
    BrokerConfig, HttpRequest, HttpResponse, HttpTransport, MemoryStore, RefreshToken, RelayClient,
    RelayClientError, RelayConfig, ServiceAccountGrant, ServiceAccountKey, TokenBroker, TokenRelay,
    TransportError,
};
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};
use tower::ServiceExt;

/// Deliberate relay flaws, for the mutants (all off in the reference).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RelayFlaws {
    /// The relay's answers carry the account's refresh token too.
    pub leak_refresh_token: bool,
    /// Every role gets the account's whole grant instead of its scopes.
    pub ignore_roles: bool,
    /// Consumers retry a failed call at once, over and over, with no backoff.
    pub consumer_loops: bool,
    /// The relay logs the service-account key files it loads and the
    /// credential each consumer presents.
    pub logs_secrets: bool,
}

/// The name of [`RelayFlaws`] in the run's registry.
pub(crate) const RELAY_FLAWS: &str = "reference.relay-flaws";

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The response bodies a consumer's client received since the last call ended.
type Bodies = Arc<Mutex<Vec<Vec<u8>>>>;

/// When consumers contacted the relay: (consumer, local time).
pub(crate) type Contacts = Arc<Mutex<Vec<(String, SystemTime)>>>;

#[derive(Debug)]
pub(crate) struct RelayHost {
    env: BrokerEnv,
    setup: RelaySetup,
    flaws: RelayFlaws,
    store: Arc<MemoryStore>,
    service: Arc<Mutex<Option<TokenRelay>>>,
    clients: BTreeMap<String, (RelayClient, Bodies)>,
    contacts: Contacts,
}

/// A consumer's transport: the relay's router in memory, or a refused
/// connection while the relay is down.
#[derive(Debug)]
struct ConsumerTransport {
    consumer: String,
    service: Arc<Mutex<Option<TokenRelay>>>,
    clock: Arc<dyn reference_impl::Clock>,
    contacts: Contacts,
    bodies: Arc<Mutex<Vec<Vec<u8>>>>,
    /// Set by the leaking mutant: the account's refresh token.
    leak: Option<SecretString>,
}

impl HttpTransport for ConsumerTransport {
    fn send(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        lock(&self.contacts).push((self.consumer.clone(), self.clock.now()));
        let router = lock(&self.service).as_ref().map(TokenRelay::router);
        let bodies = self.bodies.clone();
        let leak = self.leak.clone();
        Box::pin(async move {
            let router = router.ok_or(TransportError::Connect { source: None })?;
            let (parts, body) = request.into_parts();
            let request = http::Request::from_parts(parts, axum::body::Body::from(body));
            let response = router
                .oneshot(request)
                .await
                .map_err(|_| TransportError::Other { source: None })?;
            let (parts, body) = response.into_parts();
            let mut bytes = body
                .collect()
                .await
                .map_err(|_| TransportError::ConnectionReset { source: None })?
                .to_bytes()
                .to_vec();
            if let Some(leak) = leak.filter(|_| parts.status.is_success()) {
                if let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                    json["refresh_token"] =
                        serde_json::Value::String(leak.expose_secret().to_owned());
                    bytes = json.to_string().into_bytes();
                }
            }
            lock(&bodies).push(bytes.clone());
            Ok(http::Response::from_parts(parts, bytes))
        })
    }
}

impl RelayHost {
    /// Builds the relay and its consumers' clients; the relay's broker gets the
    /// run's accounts and service accounts.
    pub async fn start(
        env: &BrokerEnv,
        setup: RelaySetup,
        service_accounts: &[super::ServiceAccountKeyed],
        flaws: RelayFlaws,
    ) -> Result<Self, BrokerFailure> {
        let store = Arc::new(MemoryStore::new());
        let broker = relay_broker(env, store.clone())?;
        for (account, refresh_token) in &env.accounts {
            broker
                .add_account(account, RefreshToken::new(refresh_token.expose_secret()))
                .await;
        }
        for keyed in service_accounts {
            if flaws.logs_secrets {
                // The flaw: a "loaded key file" line that prints the file.
                let file = keyed.key_json.expose_secret();
                tracing::debug!(account = %keyed.account, "relay: loaded key file {file}");
            }
            let key = ServiceAccountKey::from_json(keyed.key_json.expose_secret().as_bytes())
                .map_err(|error| BrokerFailure::new(FailureKind::Other, error.to_string()))?;
            let mut grant = ServiceAccountGrant::new(key, keyed.scopes.clone());
            if let Some(subject) = &keyed.subject {
                grant = grant.acting_as(subject.clone());
            }
            broker.add_service_account(&keyed.account, grant).await;
        }
        let service = Arc::new(Mutex::new(None));
        let contacts = Contacts::default();
        let mut clients = BTreeMap::new();
        for consumer in &setup.consumers {
            let bodies = Arc::new(Mutex::new(Vec::new()));
            let account = setup
                .roles
                .iter()
                .find(|(name, _, _)| *name == consumer.role)
                .map(|(_, account, _)| account.clone());
            let leak = flaws
                .leak_refresh_token
                .then(|| {
                    env.accounts
                        .iter()
                        .find(|(name, _)| Some(name) == account.as_ref())
                        .map(|(_, token)| token.clone())
                })
                .flatten();
            let transport = Arc::new(ConsumerTransport {
                consumer: consumer.id.clone(),
                service: service.clone(),
                clock: env.clock.clone(),
                contacts: contacts.clone(),
                bodies: bodies.clone(),
                leak,
            });
            let client = RelayClient::new(
                "http://relay.invalid",
                consumer.credential.expose_secret(),
                env.clock.clone(),
                transport,
            );
            clients.insert(consumer.id.clone(), (client, bodies));
        }
        let host = Self {
            env: env.clone(),
            setup,
            flaws,
            store,
            service,
            clients,
            contacts,
        };
        host.bring_up(broker)?;
        Ok(host)
    }

    fn bring_up(&self, broker: TokenBroker) -> Result<(), BrokerFailure> {
        let mut config = RelayConfig::new();
        for (name, account, scopes) in &self.setup.roles {
            let scopes = if self.flaws.ignore_roles {
                self.whole_grant(account)
            } else {
                scopes.clone()
            };
            config = config.role(name.clone(), account.clone(), scopes);
        }
        for consumer in &self.setup.consumers {
            config = config.consumer(
                consumer.id.clone(),
                consumer.credential.expose_secret(),
                consumer.role.clone(),
            );
        }
        if let Some(alert_after) = self.setup.alert_after {
            config = config.alert_after(alert_after);
        }
        let relay = TokenRelay::new(broker, config)
            .map_err(|error| BrokerFailure::new(FailureKind::Other, error.to_string()))?;
        *lock(&self.service) = Some(relay);
        Ok(())
    }

    /// Everything the account may grant: the declared scopes of a user, or a
    /// service account's configured ones.
    fn whole_grant(&self, account: &str) -> Vec<String> {
        super::GatewaySetup::of(&self.env.shared)
            .and_then(|setup| {
                setup
                    .service_accounts
                    .iter()
                    .find(|keyed| keyed.account == account)
                    .map(|keyed| keyed.scopes.clone())
            })
            .unwrap_or_else(|| self.env.scopes.clone())
    }

    pub async fn token(&self, consumer: &str) -> RelayAnswer {
        let Some((client, bodies)) = self.clients.get(consumer) else {
            return RelayAnswer {
                result: Err((
                    FailureKind::Other,
                    false,
                    format!("no consumer `{consumer}`"),
                )),
                bodies: Vec::new(),
            };
        };
        if self.flaws.logs_secrets {
            // The flaw: an access log that prints the Authorization header.
            let credential = self.setup.consumers.iter().find(|c| c.id == consumer);
            let credential = credential
                .map(|c| c.credential.expose_secret())
                .unwrap_or("");
            tracing::debug!(
                consumer,
                "relay: POST /v1/token authorization: Bearer {credential}"
            );
        }
        let mut outcome = client.token().await;
        if self.flaws.consumer_loops {
            // The flaw: a consumer that treats a retryable error as "try again
            // now", over and over (a fresh client each time, so no backoff).
            let mut tries = 0;
            while outcome.as_ref().is_err_and(RelayClientError::is_retryable) && tries < 50 {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
                outcome = self.fresh_client(consumer, bodies.clone()).token().await;
            }
        }
        relay_answer(outcome, std::mem::take(&mut *lock(bodies)))
    }

    fn fresh_client(&self, consumer: &str, bodies: Arc<Mutex<Vec<Vec<u8>>>>) -> RelayClient {
        let credential = self
            .setup
            .consumers
            .iter()
            .find(|c| c.id == consumer)
            .map(|c| c.credential.expose_secret().to_owned())
            .unwrap_or_default();
        let transport = Arc::new(ConsumerTransport {
            consumer: consumer.to_owned(),
            service: self.service.clone(),
            clock: self.env.clock.clone(),
            contacts: self.contacts.clone(),
            bodies,
            leak: None,
        });
        RelayClient::new(
            "http://relay.invalid",
            credential,
            self.env.clock.clone(),
            transport,
        )
    }

    /// Down: consumers' connections are refused. Up: a new broker and relay
    /// over the same store (what was committed survives).
    pub fn set_down(&self, down: bool) -> Result<(), BrokerFailure> {
        if down {
            *lock(&self.service) = None;
            return Ok(());
        }
        let broker = relay_broker(&self.env, self.store.clone())?;
        self.bring_up(broker)
    }

    pub fn contacts(&self) -> Vec<(String, SystemTime)> {
        lock(&self.contacts).clone()
    }
}

/// What one call of a consumer's [`RelayClient`] gave it, as a run records
/// it: the token or the typed failure, and the bodies it received. Shared
/// by the in-process relay and the relay process (`process/relay_host.rs`).
pub(crate) fn relay_answer(
    outcome: Result<reference_impl::RelayToken, RelayClientError>,
    bodies: Vec<Vec<u8>>,
) -> RelayAnswer {
    RelayAnswer {
        result: outcome
            .map(|token| SecretString::from(token.access_token.expose_secret().to_owned()))
            .map_err(|error| {
                let kind = match error {
                    RelayClientError::Unavailable { .. } => FailureKind::Transient,
                    RelayClientError::Revoked => FailureKind::Revoked,
                    _ => FailureKind::Other,
                };
                (kind, error.is_retryable(), error.to_string())
            }),
        bodies,
    }
}

fn relay_broker(env: &BrokerEnv, store: Arc<MemoryStore>) -> Result<TokenBroker, BrokerFailure> {
    let config = BrokerConfig::new(
        env.token_url.clone(),
        env.client_id.clone(),
        env.client_secret.expose_secret().to_owned(),
    )
    .with_scopes(env.scopes.clone())
    .with_seed(env.seed ^ 0x00DE_1A70);
    TokenBroker::new(config, env.clock.clone(), env.transport.clone(), store)
        .map_err(|error| BrokerFailure::new(FailureKind::Other, error.to_string()))
}
