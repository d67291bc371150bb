use super::recording_store::RecordingStore;
use super::reference_email::{EmailFlaws, ReferenceEmail};
use super::reference_gateway::ReferenceGateway;
use super::reference_token::token_answer;
use super::{
    AccountReport, AuthorizationFacet, BrokerEnv, BrokerFactory, BrokerFailure, BrokerInstance,
    BrokerUnderTest, FailureKind, InstanceHost, MailFacet, MailFaults, StatusFacet, StoreFault,
    StoreFaults, StoreWrite,
};
use async_trait::async_trait;
use reference_impl::{
    AccessToken, AccountState, AuthorizationError, BrokerConfig, BucketStore, Keyring, MemoryStore,
    RefreshToken, StoreSpec, TokenBroker, TokenStore,
};
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, Mutex, PoisonError};

/// The reference broker from `reference-impl`, in-process.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReferenceBroker;

#[async_trait]
impl BrokerFactory for ReferenceBroker {
    fn name(&self) -> String {
        "reference".to_owned()
    }

    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerInstance>, BrokerFailure> {
        build_reference(env).await
    }
}

/// A store the instances of one run share (`store = "shared-memory"`).
#[derive(Debug)]
struct SharedStore {
    store: Arc<MemoryStore>,
    writes: Arc<Mutex<Vec<StoreWrite>>>,
}

/// Builds one reference instance (also the base of the reference mutants).
pub(crate) async fn build_reference(
    env: BrokerEnv,
) -> Result<Arc<dyn BrokerInstance>, BrokerFailure> {
    // One store per instance (or one per run when shared), kept across
    // restarts: a restart loses what was in memory and keeps what was
    // committed. Only memory stores have fault knobs (`faults`).
    let (name, store, faults, writes): (String, Arc<dyn TokenStore>, _, _) =
        match env.store.as_str() {
            // One store for the whole fleet: instances see each other's grants.
            "shared-memory" => {
                let shared = env
                    .shared
                    .get_or_create("reference.memory-store", || SharedStore {
                        store: Arc::new(MemoryStore::new()),
                        writes: Arc::default(),
                    })
                    .ok_or_else(|| {
                        BrokerFailure::new(FailureKind::Other, "shared store has another type")
                    })?;
                (
                    "shared".to_owned(),
                    shared.store.clone(),
                    Some(shared.store.clone()),
                    shared.writes.clone(),
                )
            }
            // The run's bucket (sim mode: in memory, with the run's bucket
            // faults); each instance is another component syncing through it.
            "bucket" => (
                "shared".to_owned(),
                open_sim_bucket(&env)?,
                None,
                shared_writes(&env)?,
            ),
            "memory" => {
                let memory = Arc::new(MemoryStore::new());
                (
                    format!("instance-{}", env.instance),
                    memory.clone(),
                    Some(memory),
                    Arc::default(),
                )
            }
            // A durable store the run provisioned (`sqlite:PATH`, `postgres://`):
            // each instance opens its own connection, as processes would.
            other => (
                "shared".to_owned(),
                open_durable(&env, other).await?,
                None,
                shared_writes(&env)?,
            ),
        };
    build_reference_over(env, name, faults, store, writes).await
}

/// Builds one reference instance over `backing` (recorded as `name` in
/// `writes`); store faults go to `faults` (the memory store under it), and
/// without one the instance lacks `store_faults`.
pub(crate) async fn build_reference_over(
    env: BrokerEnv,
    name: String,
    faults: Option<Arc<MemoryStore>>,
    backing: Arc<dyn TokenStore>,
    writes: Arc<Mutex<Vec<StoreWrite>>>,
) -> Result<Arc<dyn BrokerInstance>, BrokerFailure> {
    let recording = RecordingStore::new(name, backing, env.clock.clone(), writes.clone());
    let write_trap = recording.trap();
    let recording: Arc<dyn TokenStore> = Arc::new(recording);
    let broker = new_broker(&env, &recording)?;
    for (account, refresh_token) in &env.accounts {
        broker
            .add_account(account, RefreshToken::new(refresh_token.expose_secret()))
            .await;
    }
    ReferenceGateway::register_service_accounts(&env, &broker).await?;
    let gateway = ReferenceGateway::new(&env).await?;
    gateway.use_broker(broker.clone());
    Ok(Arc::new(ReferenceInstance {
        gateway,
        email: ReferenceEmail::new(&env, EmailFlaws::default()),
        env,
        faults,
        recording,
        write_trap,
        writes,
        broker: Mutex::new(broker),
    }))
}

/// The committed writes of every instance of a run over one shared store.
fn shared_writes(env: &BrokerEnv) -> Result<Arc<Mutex<Vec<StoreWrite>>>, BrokerFailure> {
    env.shared
        .get_or_create(
            "reference.durable-writes",
            Mutex::<Vec<StoreWrite>>::default,
        )
        .ok_or_else(|| BrokerFailure::new(FailureKind::Other, "shared writes have another type"))
}

/// A bucket store over the run's in-memory bucket (created by the first
/// instance), on the instance's simulated clock.
pub(crate) fn open_sim_bucket(env: &BrokerEnv) -> Result<Arc<dyn TokenStore>, BrokerFailure> {
    let other =
        |what: &str| BrokerFailure::new(FailureKind::Other, format!("{what} has another type"));
    let bucket = env
        .shared
        .get_or_create(super::RUN_BUCKET, super::RunBucket::in_memory)
        .ok_or_else(|| other("the run's bucket"))?;
    let keyring = env
        .shared
        .get_or_create("reference.bucket-keyring", || {
            Keyring::generate("sim-bucket")
        })
        .ok_or_else(|| other("the bucket keyring"))?;
    let objects = bucket.objects.clone().ok_or_else(|| {
        BrokerFailure::new(
            FailureKind::Other,
            "the run's bucket is a server, not in memory",
        )
    })?;
    Ok(Arc::new(
        BucketStore::new(objects, "run", (*keyring).clone())
            .with_clock(env.clock.clone())
            .with_source(format!("instance-{}", env.instance)),
    ))
}

/// Opens the durable store `spec` with the run's keyring (all instances
/// share it, so each reads what the others sealed).
pub(crate) async fn open_durable(
    env: &BrokerEnv,
    spec: &str,
) -> Result<Arc<dyn TokenStore>, BrokerFailure> {
    let unsupported = || {
        BrokerFailure::new(
            FailureKind::Unsupported,
            format!(
                "store kind `{spec}` is not supported in-process; use `memory`, `shared-memory`, `sqlite`, `file`, `postgres` or `bucket`"
            ),
        )
    };
    let spec: StoreSpec = spec.parse().map_err(|_| unsupported())?;
    let keyring = match super::RunStoreKeys::of(&env.shared) {
        Some(keys) => Keyring::parse(keys.0.expose_secret())
            .map_err(|error| BrokerFailure::new(FailureKind::Other, error.to_string()))?,
        None => Keyring::generate("instance"),
    };
    // The run's S3 server: sign with its credentials (a process gets them
    // in its environment; this one shares the harness's).
    if let (StoreSpec::Bucket(location), Some(bucket)) = (&spec, super::RunBucket::of(&env.shared))
    {
        let storage = |error: reference_impl::StoreError| {
            BrokerFailure::new(FailureKind::Storage, error.to_string())
        };
        let dates = reference_impl::ServerDates::default();
        let (objects, prefix) = location
            .open_dated(bucket.credentials(), &dates)
            .map_err(storage)?;
        return Ok(Arc::new(
            BucketStore::new(objects, &prefix, keyring)
                .with_source(format!("instance-{}", env.instance))
                .with_server_dates(dates),
        ));
    }
    spec.open(keyring)
        .await
        .map_err(|error| BrokerFailure::new(FailureKind::Storage, error.to_string()))
}

fn new_broker(env: &BrokerEnv, store: &Arc<dyn TokenStore>) -> Result<TokenBroker, BrokerFailure> {
    let config = BrokerConfig::new(
        env.token_url.clone(),
        env.client_id.clone(),
        env.client_secret.expose_secret().to_owned(),
    )
    .with_scopes(env.scopes.clone())
    .with_seed(env.seed ^ u64::from(env.instance))
    .with_authorization(env.auth_url.clone(), env.redirect_url.clone());
    TokenBroker::new(
        config,
        env.clock.clone(),
        env.transport.clone(),
        store.clone(),
    )
    .map_err(|error| BrokerFailure::new(FailureKind::Other, error.to_string()))
}

/// One in-process reference broker and its store.
#[derive(Debug)]
struct ReferenceInstance {
    email: ReferenceEmail,
    gateway: ReferenceGateway,
    env: BrokerEnv,
    /// The memory store's fault knobs (durable stores have none).
    faults: Option<Arc<MemoryStore>>,
    recording: Arc<dyn TokenStore>,
    /// A kill -9 armed at the next write through `recording`.
    write_trap: Arc<super::TrapSlot>,
    writes: Arc<Mutex<Vec<StoreWrite>>>,
    broker: Mutex<TokenBroker>,
}

impl ReferenceInstance {
    fn broker(&self) -> TokenBroker {
        self.broker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl BrokerUnderTest for ReferenceInstance {
    async fn access_token(
        &self,
        account: &str,
        rejected: Option<&SecretString>,
    ) -> Result<SecretString, BrokerFailure> {
        let broker = self.broker();
        match rejected {
            None => token_answer(broker.access_token(account).await),
            Some(rejected) => {
                let rejected = AccessToken::new(rejected.expose_secret());
                token_answer(broker.access_token_after_401(account, &rejected).await)
            }
        }
    }

    fn status(&self) -> Option<&dyn StatusFacet> {
        Some(self)
    }

    fn authorization(&self) -> Option<&dyn AuthorizationFacet> {
        Some(self)
    }

    fn mail(&self) -> Option<&dyn MailFacet> {
        Some(self)
    }
}

#[async_trait]
impl StatusFacet for ReferenceInstance {
    async fn status(&self) -> Result<Vec<AccountReport>, BrokerFailure> {
        Ok(self
            .broker()
            .status()
            .into_iter()
            .map(|s| AccountReport {
                account: s.account,
                state: protocol_state(s.state),
                alert: s.alert.map(|alert| alert.name().to_owned()),
            })
            .collect())
    }
}

#[async_trait]
impl AuthorizationFacet for ReferenceInstance {
    async fn begin_authorization(&self, account: &str) -> Result<String, BrokerFailure> {
        self.broker()
            .begin_authorization(account)
            .map_err(authorization_failure)
    }

    async fn complete_authorization(&self, callback_url: &str) -> Result<String, BrokerFailure> {
        self.broker()
            .complete_authorization(callback_url)
            .await
            .map_err(authorization_failure)
    }
}

#[async_trait]
impl MailFacet for ReferenceInstance {
    async fn sync(&self, account: &str) -> Result<(), BrokerFailure> {
        self.email.sync(Arc::new(self.broker()), account).await
    }

    async fn synced_ids(&self, account: &str) -> Result<Vec<String>, BrokerFailure> {
        self.email.synced_ids(account).await
    }

    async fn send(&self, account: &str, raw: &[u8]) -> Result<String, BrokerFailure> {
        self.email.send(Arc::new(self.broker()), account, raw).await
    }
}

#[async_trait]
impl MailFaults for ReferenceInstance {
    async fn crash_sync(&self, account: &str, at_point: u32) -> Result<bool, BrokerFailure> {
        self.email
            .crash_sync(Arc::new(self.broker()), account, at_point)
            .await
    }

    async fn fail_mail_commits(&self, count: u32) -> Result<(), BrokerFailure> {
        self.email.fail_commits(count);
        Ok(())
    }
}

impl ReferenceInstance {
    /// The run's PostgreSQL fault control when this instance's store is
    /// that cluster (`broker/postgres_faults.rs`).
    fn postgres_faults(&self) -> Option<Arc<super::PostgresFaults>> {
        let postgres = self.env.store.starts_with("postgres://")
            || self.env.store.starts_with("postgresql://");
        postgres
            .then(|| super::PostgresFaults::of_run(&self.env.shared))
            .flatten()
    }
}

#[async_trait]
impl StoreFaults for ReferenceInstance {
    async fn store_fault(&self, fault: StoreFault) -> Result<(), BrokerFailure> {
        let Some(store) = &self.faults else {
            // The run's own PostgreSQL cluster, faulted by the server's means.
            if let Some(postgres) = self.postgres_faults() {
                return postgres.apply(fault).await;
            }
            return Err(BrokerFailure::new(
                FailureKind::Unsupported,
                "only memory stores and the run's own PostgreSQL cluster can be faulted in-process",
            ));
        };
        match fault {
            StoreFault::Outage(on) => store.set_unavailable(on),
            StoreFault::ReadOnly(on) => store.set_read_only(on),
            StoreFault::FailWritesAfter(writes) => store.fail_writes_after(writes),
        }
        Ok(())
    }

    /// The next write through the recording store never reaches the store:
    /// the call that made it hangs there until the restart aborts it.
    async fn trap_next_write(&self) -> Result<super::WriteTrap, BrokerFailure> {
        Ok(self.write_trap.arm())
    }
}

#[async_trait]
impl InstanceHost for ReferenceInstance {
    async fn restart(&self) -> Result<(), BrokerFailure> {
        // Kill -9: everything the old broker spawned dies (a refresh the
        // provider is still answering never persists), and a store of its
        // own drops its writes in flight (a shared one is another process's
        // database: the dead instance's writes die with its aborted tasks).
        self.broker().abort_tasks();
        if self.env.store == "memory"
            && let Some(store) = &self.faults
        {
            store.crash();
        }
        // A fresh broker over the same store: the accounts come back from
        // what was committed, with no new consent.
        let fresh = new_broker(&self.env, &self.recording)?;
        // What the store knows is what status() reports from the start (a
        // refusal the old process stored says `needs_reauth` at once). A
        // store that is down now leaves each account to its first caller.
        let _ = fresh.load_stored_accounts().await;
        self.gateway.use_broker(fresh.clone());
        *self.broker.lock().unwrap_or_else(PoisonError::into_inner) = fresh;
        Ok(())
    }

    /// A memory store the binding made itself keeps fault knobs; the run's
    /// own PostgreSQL cluster is faulted by the server's means.
    fn store_faults(&self) -> Option<&dyn StoreFaults> {
        (self.faults.is_some() || self.postgres_faults().is_some())
            .then_some(self as &dyn StoreFaults)
    }

    fn mail_faults(&self) -> Option<&dyn MailFaults> {
        Some(self)
    }

    fn store_writes(&self) -> Vec<StoreWrite> {
        self.writes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn gateway(&self) -> Option<&dyn super::GatewayUnderTest> {
        Some(&self.gateway)
    }
}

fn authorization_failure(error: AuthorizationError) -> BrokerFailure {
    let kind = match &error {
        AuthorizationError::CodeRejected { .. } => FailureKind::Revoked,
        _ => FailureKind::Other,
    };
    BrokerFailure::new(kind, error.to_string())
}

/// The protocol's state for a reference account state.
pub(crate) fn protocol_state(state: AccountState) -> crate::broker::AccountState {
    use crate::broker::AccountState as Protocol;
    match state {
        AccountState::Ok => Protocol::Ok,
        AccountState::Refreshing => Protocol::Refreshing,
        AccountState::Degraded => Protocol::Degraded,
        AccountState::NeedsReauth => Protocol::NeedsReauth,
        AccountState::NoToken => Protocol::NoToken,
    }
}
