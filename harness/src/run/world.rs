//! What a run plays against: the mock provider on its clock, the broker
//! instances each on theirs, and the transport they share. Sim and real
//! mode differ only here: in-memory router vs loopback socket, paused vs
//! wall time (both read through [`SimClock`], which on an unpaused runtime
//! is the system clock plus any offset).

use crate::broker::{BrokerEnv, BrokerFailure};
use crate::choice::BrokerChoice;
use crate::scenario::{Mode, Scenario};
use crate::sim::{InMemoryTransport, SimClock, SimTime};
use futures::future::BoxFuture;
use mock_provider::{Endpoint, Fault, MockProvider};
use reference_impl::{HttpRequest, HttpResponse, HttpTransport, ReqwestTransport, TransportError};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// One broker instance and the harness's handles on it.
#[derive(Debug, Clone)]
pub(crate) struct Instance {
    pub broker: Arc<dyn crate::broker::BrokerInstance>,
    pub clock: SimClock,
    /// The run's timeline (paused time, or the process timeline that
    /// skips quiet stretches).
    pub time: SimTime,
    /// While set and in the future (an offset into the run), calls to
    /// this instance are held.
    pub paused_until: Arc<Mutex<Option<Duration>>>,
    /// Bumped when a restart begins and when it ends (odd: restarting), so
    /// a call can tell whether the harness killed the broker under it.
    pub restart_epoch: Arc<AtomicU64>,
}

impl Instance {
    /// Waits out a pause, if one is in force.
    pub async fn wait_if_paused(&self) {
        let until = *self
            .paused_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(until) = until {
            self.time.sleep_until_offset(until).await;
        }
    }

    /// Sleeps `delay` on the run's timeline (a skip of a quiet stretch
    /// shortens it, as it does every other wait of the run).
    pub async fn sleep(&self, delay: Duration) {
        self.time
            .sleep_until_offset(self.time.elapsed() + delay)
            .await;
    }
}

/// The provider, the instances and shared time.
#[derive(Debug)]
pub(crate) struct World {
    pub time: SimTime,
    pub provider: MockProvider,
    pub provider_clock: SimClock,
    pub instances: Vec<Instance>,
    pub request_urls: Arc<Mutex<Vec<String>>>,
    /// The provisioned store, read raw after restarts and the run.
    pub store_at_rest: Option<super::store_at_rest::StoreAtRest>,
    /// Paused time (in process, `sim`) or wall time (`real`; every run
    /// against processes).
    pub mode: Mode,
    /// True when quiet stretches are skipped (`skip.rs`): every instance is
    /// a process whose wall clock the harness moves with libfaketime.
    pub skips: bool,
    /// The broker processes, when the instances are processes.
    pub processes: Option<Arc<crate::broker::ProcessTable>>,
    /// Everything the run's instances share (the bucket `bucket_fault`
    /// steps fault, among others).
    pub shared: crate::broker::RunShared,
    /// In a fleet with a store each, which instance holds which grant
    /// (`own_grants.rs`); empty otherwise.
    pub own_grants: Vec<(u32, mock_provider::GrantId)>,
}

/// Builds the world for `scenario` on `mode`'s time. A broker that cannot
/// start is an `Err`.
pub(super) async fn build_world(
    scenario: &Scenario,
    mode: Mode,
    broker: &BrokerChoice,
    seed: u64,
    time: SimTime,
    shared: crate::broker::RunShared,
    store_spec: Option<String>,
) -> (World, Result<(), BrokerFailure>) {
    let provider_clock = time.clock();
    let mut builder = MockProvider::builder()
        .seed(seed)
        .clock(Arc::new(provider_clock.clone()))
        .access_token_ttl(scenario.provider.access_token_ttl)
        // The checkers read every request and every secret of the run: a
        // bounded journal or registry would hide the oldest from them.
        .journal_capacity(mock_provider::Capacity::Unbounded)
        .secret_capacity(mock_provider::Capacity::Unbounded);
    for account in &scenario.provider.accounts {
        builder = builder.account(account);
    }
    if super::mail_scopes::sends_mail(scenario) {
        builder = builder.scopes(super::mail_scopes::SEND_SCOPES.iter().copied());
    }
    builder = super::lifecycle::provider_policy(builder, scenario);
    builder = super::gateway_setup::register_service_accounts(builder, scenario);
    let provider = match mode {
        Mode::Sim => builder.build(),
        Mode::Real => builder.start().await,
    };
    if !scenario.provider.token_latency.is_zero() {
        provider
            .mount(Fault::on(Endpoint::Token).delay(scenario.provider.token_latency))
            .keep();
    }
    let setup = super::gateway_setup::setup(scenario, &provider, seed);
    shared.get_or_create(crate::broker::GATEWAY_SETUP, || setup);
    if let Some(server_clock) = crate::broker::RunBucket::of(&shared)
        .as_ref()
        .and_then(|bucket| bucket.server_clock.clone())
    {
        // The S3 server dates requests by the provider's clock, which the
        // timeline moves with every broker's.
        let provider_clock = provider_clock.clone();
        server_clock.follow(move || provider_clock.now());
    }
    let request_urls = Arc::new(Mutex::new(Vec::new()));
    let processes = !broker.factory().in_process();
    if processes {
        // Process hosts mount faults of their own (crash points).
        shared.get_or_create(crate::broker::RUN_PROVIDER, || provider.shared_handle());
    }
    if processes && let Some(libfaketime) = crate::broker::libfaketime() {
        // Every process instance runs under libfaketime: its wall clock
        // follows the run's timeline (skews and skipped stretches).
        shared.get_or_create(crate::broker::BROKER_CLOCK_CONTROL, || {
            crate::broker::BrokerClockControl { libfaketime }
        });
    }
    let mut world = World {
        time,
        provider_clock,
        instances: Vec::new(),
        request_urls: request_urls.clone(),
        store_at_rest: super::store_at_rest::StoreAtRest::of(&shared),
        shared: shared.clone(),
        provider,
        mode,
        skips: false,
        processes: None,
        own_grants: Vec::new(),
    };
    for instance in 0..scenario.broker.instances {
        let clock = world.time.clock();
        let inner: Arc<dyn HttpTransport> = match mode {
            Mode::Sim => Arc::new(
                InMemoryTransport::new(world.provider.router())
                    .with_timeout(scenario.broker.http_timeout),
            ),
            Mode::Real => Arc::new(ReqwestTransport::with_timeout(scenario.broker.http_timeout)),
        };
        let mut env = broker_env(&world.provider, scenario, seed, instance, clock.clone(), {
            Arc::new(RecordingTransport {
                inner,
                urls: request_urls.clone(),
            })
        });
        env.shared = shared.clone();
        if super::own_grants::store_each(scenario) {
            let owned = super::own_grants::assign(&world.provider, &mut env);
            world.own_grants.extend(owned);
        }
        if let Some(spec) = &store_spec {
            // The store the run provisioned (`run_store.rs`).
            env.store.clone_from(spec);
        }
        let env = super::mail_scopes::with_mail_scopes(env, scenario);
        let factory = broker.factory();
        match factory.build(env).await {
            Ok(built) => world.instances.push(Instance {
                // A restart of an in-process instance kills its calls in
                // flight, as SIGKILL does a process's.
                broker: if factory.in_process() {
                    Arc::new(crate::broker::Killable::new(built))
                } else {
                    built
                },
                clock,
                time: world.time.clone(),
                paused_until: Arc::default(),
                restart_epoch: Arc::default(),
            }),
            Err(failure) => return (world, Err(failure)),
        }
    }
    world.processes = shared.get::<crate::broker::ProcessTable>(crate::broker::PROCESS_TABLE);
    // Quiet stretches are skipped only when every instance's wall clock
    // can be moved with them.
    world.skips = processes
        && world.mode == Mode::Real
        && world
            .instances
            .iter()
            .all(|instance| instance.broker.set_clock_offset(0).is_ok());
    (world, Ok(()))
}

fn broker_env(
    provider: &MockProvider,
    scenario: &Scenario,
    seed: u64,
    instance: u32,
    clock: SimClock,
    transport: Arc<dyn HttpTransport>,
) -> BrokerEnv {
    let base = provider.uri();
    BrokerEnv {
        instance,
        seed,
        clock: Arc::new(clock),
        transport,
        token_url: provider.token_url(),
        auth_url: format!("{base}/o/oauth2/v2/auth"),
        revoke_url: format!("{base}/revoke"),
        gmail_base: format!("{base}/gmail/v1"),
        client_id: provider.client_id().to_owned(),
        client_secret: provider.client_secret(),
        scopes: scenario.broker.scopes.clone(),
        accounts: provider
            .accounts()
            .into_iter()
            .filter_map(|(account, _)| provider.refresh_token(&account).map(|t| (account, t)))
            .collect(),
        store: scenario.broker.store.clone(),
        redirect_url: provider.redirect_uri(),
        http_timeout: scenario.broker.http_timeout,
        shared: crate::broker::RunShared::default(),
    }
}

/// Wraps a transport and remembers every request URL (the leak checker
/// looks for secrets in them).
#[derive(Debug)]
struct RecordingTransport {
    inner: Arc<dyn HttpTransport>,
    urls: Arc<Mutex<Vec<String>>>,
}

impl HttpTransport for RecordingTransport {
    fn send(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        self.urls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request.uri().to_string());
        // A request on the wire is the provider's to finish: when the
        // harness kills the instance that sent it (`restart`), the provider
        // still answers (it may issue or rotate a token) and the answer is
        // lost, as with a process killed mid-request. So the exchange runs
        // on its own task, not inside the instance's.
        let exchange = tokio::spawn(self.inner.send(request));
        Box::pin(async move {
            exchange.await.unwrap_or_else(|join_error| {
                Err(TransportError::Other {
                    source: Some(Arc::new(join_error)),
                })
            })
        })
    }
}
