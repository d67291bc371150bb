//! Brokers as external processes speaking JSON-RPC 2.0 over stdio
//! (docs/PROTOCOL.md): `cmd:"..."` for any command, `reference-broker` for
//! the reference broker's own binary.
//!
//! `connection.rs` owns one process and its plumbing; `methods.rs` the
//! calls above level 2 and the shapes of their answers; this file is the
//! [`BrokerFactory`] and the [`BrokerUnderTest`] binding on top.

mod connection;
mod crash;
mod faketime;
mod gateway_methods;
mod methods;
mod process_table;
mod relay_config;
mod relay_host;
mod spawn_env;
mod store_faults;
mod write_watch;

pub use crash::RUN_PROVIDER;
pub use faketime::{BROKER_CLOCK_CONTROL, BrokerClockControl, MISSING_LIBFAKETIME, libfaketime};
pub use process_table::{PROCESS_TABLE, ProcessTable};
pub use store_faults::{MISSING_LIBFIU, PROCESS_STORE_FAULTS, ProcessStoreFaults, libfiu};

use crate::broker::{
    AccountReport, AuthorizationFacet, BrokerEnv, BrokerFactory, BrokerFailure, BrokerInstance,
    BrokerUnderTest, Capabilities, FailureKind, InstanceHost, MailFacet, StatusFacet, StoreFault,
    StoreFaults,
};
use async_trait::async_trait;
use connection::{Connection, Transcript};
use oauth_chaos_protocol::{
    AccountParams, Capability, ClientParams, InitializeParams, InitializeResult, Method,
    ProviderParams, StatusResult, StoreParams,
};
use secrecy::{ExposeSecret, SecretString};
use spawn_env::SpawnEnv;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The longest the harness waits for any one answer from a broker process.
/// Scenarios hold token requests at the provider for 20 s and more
/// (`slow-token-endpoint`), and a correct broker keeps its callers waiting
/// on that one refresh: the harness must wait longer than the provider.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// The protocol version the harness speaks.
pub const PROTOCOL_VERSION: u32 = oauth_chaos_protocol::PROTOCOL_VERSION;

/// Builds broker instances by spawning a command.
///
/// ```
/// use harness::broker::{BrokerFactory, ProcessBroker};
/// let broker = ProcessBroker::command("python3 broker.py");
/// assert_eq!(broker.name(), "cmd:python3 broker.py");
/// assert!(!broker.in_process());
/// ```
#[derive(Debug, Clone)]
pub struct ProcessBroker {
    name: String,
    command: String,
    call_timeout: Duration,
    /// The relay under test for scenarios with a `[relay]`
    /// (docs/PROTOCOL.md, "The relay under test"), as a command line.
    relay: Option<String>,
}

impl ProcessBroker {
    /// Any command line, run through `sh -c "exec ..."`.
    pub fn command(command: impl Into<String>) -> Self {
        let command = command.into();
        Self {
            name: format!("cmd:{command}"),
            command,
            call_timeout: CALL_TIMEOUT,
            relay: None,
        }
    }

    /// The reference broker's binary (`reference-broker` from reference-impl):
    /// `$OAUTH_CHAOS_REFERENCE_BROKER`, else next to the running executable
    /// (or its parent folder, for test binaries), else on `PATH`.
    ///
    /// Its relay is `token-relay`: `$OAUTH_CHAOS_TOKEN_RELAY`, else beside
    /// that binary, else on `PATH`.
    pub fn reference() -> Self {
        let program = reference_broker_path();
        let relay = std::env::var("OAUTH_CHAOS_TOKEN_RELAY")
            .unwrap_or_else(|_| beside(&program, "token-relay"));
        Self {
            name: "reference-broker".to_owned(),
            command: shell_quote(&program),
            call_timeout: CALL_TIMEOUT,
            relay: Some(shell_quote(&relay)),
        }
    }

    /// The reference broker's binary at `path` (tests build it and pass it
    /// in), with the `token-relay` beside it as its relay.
    pub fn reference_at(path: impl AsRef<std::path::Path>) -> Self {
        let program = path.as_ref().display().to_string();
        Self {
            name: "reference-broker".to_owned(),
            command: shell_quote(&program),
            call_timeout: CALL_TIMEOUT,
            relay: Some(shell_quote(&beside(&program, "token-relay"))),
        }
    }

    /// Runs `command` as the relay under test of scenarios with a `[relay]`
    /// (`sh -c "exec COMMAND --config relay.toml"`; docs/PROTOCOL.md, "The
    /// relay under test"). Without one, a `cmd:` broker has no relay and
    /// the relay's invariants are unknown.
    ///
    /// ```
    /// use harness::broker::ProcessBroker;
    /// let broker = ProcessBroker::command("python3 broker.py").with_relay("./my-relay");
    /// assert_eq!(broker.relay(), Some("./my-relay"));
    /// ```
    #[must_use]
    pub fn with_relay(mut self, command: impl Into<String>) -> Self {
        self.relay = Some(command.into());
        self
    }

    /// The relay command, if this broker has one.
    pub fn relay(&self) -> Option<&str> {
        self.relay.as_deref()
    }

    /// Changes the per-call timeout.
    pub fn with_call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }
}

fn reference_broker_path() -> String {
    if let Ok(path) = std::env::var("OAUTH_CHAOS_REFERENCE_BROKER") {
        return path;
    }
    let exe = std::env::current_exe().ok();
    let candidates: Vec<PathBuf> = exe
        .iter()
        .flat_map(|exe| exe.ancestors().skip(1).take(2))
        .map(|dir| dir.join("reference-broker"))
        .collect();
    candidates
        .into_iter()
        .find(|path| path.is_file())
        .map_or_else(
            || "reference-broker".to_owned(),
            |path| path.display().to_string(),
        )
}

/// `name` in the folder of `program` when it is there, else `name` (on `PATH`).
fn beside(program: &str, name: &str) -> String {
    std::path::Path::new(program)
        .parent()
        .map(|dir| dir.join(name))
        .filter(|path| path.is_file())
        .map_or_else(|| name.to_owned(), |path| path.display().to_string())
}

pub(super) fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[async_trait]
impl BrokerFactory for ProcessBroker {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn in_process(&self) -> bool {
        false
    }

    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerInstance>, BrokerFailure> {
        let transcript = Transcript::default();
        let mut params = initialize_params(&env);
        gateway_methods::add_initialize_params(&env, &mut params);
        let (spawn_env, clock) = SpawnEnv::for_instance(&env)?;
        let table = env
            .shared
            .get_or_create(PROCESS_TABLE, ProcessTable::default);
        let (connection, capabilities, gateway_capabilities, declared) =
            start(self, &params, &transcript, &spawn_env)
                .await
                .map_err(|mut failure| {
                    let stderr = transcript
                        .stderr
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .clone();
                    // Only the shell's verdict, never the broker's own log lines.
                    if String::from_utf8_lossy(&stderr).contains("not found") {
                        failure.message.push_str(&format!(
                            " (the shell could not find `{}`; for reference-broker run `cargo build -p reference-impl --bin reference-broker` or set OAUTH_CHAOS_REFERENCE_BROKER)",
                            self.command
                        ));
                    }
                    failure
                })?;
        if let (Some(table), Some(pid)) = (&table, connection.pid()) {
            table.set(env.instance, pid, declared.wall_clock_waits);
        }
        // Instance 0 hosts the relay, as in process.
        let relay = match (&self.relay, env.instance) {
            (Some(command), 0) => {
                let clock = match env.shared.get::<BrokerClockControl>(BROKER_CLOCK_CONTROL) {
                    Some(control) => Some(
                        faketime::FakeClock::new(control.libfaketime.clone()).map_err(|error| {
                            BrokerFailure::new(
                                FailureKind::Other,
                                format!("cannot create the relay's clock file: {error}"),
                            )
                        })?,
                    ),
                    None => None,
                };
                relay_host::ProcessRelay::start(&env, command, table.clone(), clock).await?
            }
            _ => None,
        };
        let gateway_capabilities = crate::broker::GatewayCapabilities {
            relay: relay.is_some(),
            ..gateway_capabilities
        };
        Ok(Arc::new(ProcessInstance {
            factory: self.clone(),
            instance: env.instance,
            table,
            params,
            transcript,
            capabilities,
            gateway_capabilities,
            connection: Mutex::new(Arc::new(connection)),
            clock,
            spawn_env,
            shared: env.shared.clone(),
            sqlite_faults: Mutex::default(),
            relay,
        }))
    }
}

/// The `initialize` params for one instance (docs/PROTOCOL.md).
fn initialize_params(env: &BrokerEnv) -> InitializeParams {
    InitializeParams {
        protocol_version: Some(PROTOCOL_VERSION),
        provider: ProviderParams {
            token_url: env.token_url.clone(),
            auth_url: Some(env.auth_url.clone()),
            revoke_url: Some(env.revoke_url.clone()),
            gmail_base: Some(env.gmail_base.clone()),
            redirect_url: Some(env.redirect_url.clone()),
            jwks_url: None,
            issuer: None,
        },
        client: ClientParams {
            id: env.client_id.clone(),
            secret: env.client_secret.expose_secret().to_owned(),
        },
        accounts: env
            .accounts
            .iter()
            .map(|(account, token)| AccountParams {
                account: account.clone(),
                refresh_token: token.expose_secret().to_owned(),
            })
            .collect(),
        scopes: env.scopes.clone(),
        store: StoreParams {
            kind: env.store.clone(),
            instance: Some(u64::from(env.instance)),
            keys: None,
        },
        seed: env.seed,
        instance: u64::from(env.instance),
        restarted: false,
        service_accounts: Vec::new(),
        http_timeout_ms: u64::try_from(env.http_timeout.as_millis()).ok(),
    }
}

/// What `initialize` declared beyond capabilities: how the process keeps time.
#[derive(Debug, Clone, Copy)]
struct Declared {
    /// `wall_clock_waits`: its waits for provider-named times nap on the
    /// wall clock, so the timeline may move while such a wait is all it does.
    wall_clock_waits: bool,
}

/// What [`start`] returns: the process, its capabilities, its gateway
/// powers and what else it declared.
type Started = (
    Connection,
    Capabilities,
    crate::broker::GatewayCapabilities,
    Declared,
);

async fn start(
    factory: &ProcessBroker,
    params: &InitializeParams,
    transcript: &Transcript,
    spawn_env: &SpawnEnv,
) -> Result<Started, BrokerFailure> {
    // Ask for the most verbose logs: the leak checker reads them.
    let mut env = vec![("OAUTH_CHAOS_LOG".to_owned(), "trace".to_owned())];
    env.extend_from_slice(&spawn_env.vars);
    let connection = Connection::spawn(&factory.command, &spawn_env.wrapper, &env, transcript)?;
    let answer: InitializeResult = connection
        .call(Method::Initialize, params, factory.call_timeout)
        .await?;
    // What the broker declared; the harness restarts a process itself
    // (SIGKILL, respawn, initialize), and crash points and mailbox faults
    // have no protocol methods, so those come from the host, not from here.
    let capabilities =
        Capabilities::from_names(answer.declared().into_iter().map(|name| name.name()));
    let declared = Declared {
        wall_clock_waits: answer.has(Capability::WallClockWaits),
    };
    Ok((
        connection,
        capabilities,
        gateway_methods::declared(&answer),
        declared,
    ))
}

#[derive(Debug)]
struct ProcessInstance {
    factory: ProcessBroker,
    /// The instance number, and the run's table of broker processes.
    instance: u32,
    table: Option<Arc<ProcessTable>>,
    params: InitializeParams,
    transcript: Transcript,
    /// What `initialize` declared: the facets this instance offers.
    capabilities: Capabilities,
    /// Sign-in and service accounts, when `initialize` declared them.
    gateway_capabilities: crate::broker::GatewayCapabilities,
    connection: Mutex<Arc<Connection>>,
    /// The process's wall clock, when the run moves it (libfaketime).
    clock: Option<faketime::FakeClock>,
    /// Extra environment for every spawn (libfaketime, the store keyring).
    spawn_env: SpawnEnv,
    /// The run's shared objects (its provisioned store's fault control).
    shared: crate::broker::RunShared,
    /// Faults sent to a SQLite store's libfiu control, in order: a
    /// respawned process gets them again (the disk is still full).
    sqlite_faults: Mutex<Vec<StoreFault>>,
    /// The relay under test, on instance 0 of a scenario with a `[relay]`.
    relay: Option<relay_host::ProcessRelay>,
}

impl ProcessInstance {
    fn connection(&self) -> Arc<Connection> {
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl BrokerUnderTest for ProcessInstance {
    /// With `rejected`, the broker forces a (single-flight) refresh unless
    /// it already replaced that token.
    async fn access_token(
        &self,
        account: &str,
        rejected: Option<&SecretString>,
    ) -> Result<SecretString, BrokerFailure> {
        let timeout = self.factory.call_timeout;
        methods::access_token(&self.connection(), timeout, account, rejected).await
    }

    fn status(&self) -> Option<&dyn StatusFacet> {
        self.capabilities.status.then_some(self as &dyn StatusFacet)
    }

    fn authorization(&self) -> Option<&dyn AuthorizationFacet> {
        self.capabilities
            .authorization
            .then_some(self as &dyn AuthorizationFacet)
    }

    fn mail(&self) -> Option<&dyn MailFacet> {
        self.capabilities.gmail.then_some(self as &dyn MailFacet)
    }
}

#[async_trait]
impl StatusFacet for ProcessInstance {
    async fn status(&self) -> Result<Vec<AccountReport>, BrokerFailure> {
        let result: StatusResult = self
            .connection()
            .call(
                Method::Status,
                &serde_json::Map::new(),
                self.factory.call_timeout,
            )
            .await?;
        Ok(result
            .accounts
            .into_iter()
            .map(|entry| AccountReport {
                account: entry.account,
                state: entry.state,
                alert: entry.alert,
            })
            .collect())
    }
}

#[async_trait]
impl AuthorizationFacet for ProcessInstance {
    async fn begin_authorization(&self, account: &str) -> Result<String, BrokerFailure> {
        let timeout = self.factory.call_timeout;
        methods::begin_authorization(&self.connection(), timeout, account).await
    }

    async fn complete_authorization(&self, callback_url: &str) -> Result<String, BrokerFailure> {
        let timeout = self.factory.call_timeout;
        methods::complete_authorization(&self.connection(), timeout, callback_url).await
    }
}

#[async_trait]
impl MailFacet for ProcessInstance {
    async fn sync(&self, account: &str) -> Result<(), BrokerFailure> {
        methods::sync(&self.connection(), account).await
    }

    async fn synced_ids(&self, account: &str) -> Result<Vec<String>, BrokerFailure> {
        let timeout = self.factory.call_timeout;
        methods::synced_ids(&self.connection(), timeout, account).await
    }

    async fn send(&self, account: &str, raw: &[u8]) -> Result<String, BrokerFailure> {
        methods::send(&self.connection(), account, raw).await
    }
}

/// The process supervisor: SIGKILL and respawn, the libfaketime clock file,
/// stderr and the answers.
#[async_trait]
impl InstanceHost for ProcessInstance {
    async fn restart(&self) -> Result<(), BrokerFailure> {
        self.connection().kill().await;
        // So a person reading the saved stderr sees where one process ended.
        self.transcript
            .stderr
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(
                b"\n[oauth-chaos] SIGKILL: the harness killed this instance and spawns it again\n",
            );
        let mut params = self.params.clone();
        params.restarted = true;
        let (connection, _, _, declared) =
            start(&self.factory, &params, &self.transcript, &self.spawn_env).await?;
        if let (Some(table), Some(pid)) = (&self.table, connection.pid()) {
            table.set(self.instance, pid, declared.wall_clock_waits);
        }
        let pid = connection.pid();
        *self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(connection);
        self.resend_sqlite_faults(pid).await
    }

    async fn shutdown(&self) {
        self.connection().shutdown(Duration::from_secs(2)).await;
        if let Some(relay) = &self.relay {
            relay.shutdown(Duration::from_secs(2)).await;
        }
    }

    fn captured_log(&self) -> Option<Vec<u8>> {
        let mut log = self
            .transcript
            .stderr
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(relay) = &self.relay {
            log.extend_from_slice(&relay.log());
        }
        Some(log)
    }

    fn captured_answers(&self) -> Option<Vec<u8>> {
        Some(
            self.transcript
                .answers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        )
    }

    fn set_clock_offset(&self, offset_ms: i64) -> Result<(), BrokerFailure> {
        let Some(clock) = &self.clock else {
            return Err(BrokerFailure::new(
                FailureKind::Unsupported,
                MISSING_LIBFAKETIME,
            ));
        };
        let relay = self
            .relay
            .as_ref()
            .map_or(Ok(()), |relay| relay.set_clock_offset(offset_ms));
        clock.set_offset_ms(offset_ms).and(relay).map_err(|error| {
            BrokerFailure::new(
                FailureKind::Other,
                format!("cannot rewrite the broker's clock file: {error}"),
            )
        })
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = self
            .transcript
            .problems
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(relay) = &self.relay {
            problems.extend(relay.problems().into_iter().map(|p| format!("relay: {p}")));
        }
        problems
    }

    fn gateway(&self) -> Option<&dyn crate::broker::GatewayUnderTest> {
        Some(self)
    }

    fn mail_faults(&self) -> Option<&dyn crate::broker::MailFaults> {
        let provider = self
            .shared
            .get::<mock_provider::MockProvider>(RUN_PROVIDER)
            .is_some();
        (self.capabilities.gmail && provider).then_some(self as &dyn crate::broker::MailFaults)
    }

    fn store_faults(&self) -> Option<&dyn StoreFaults> {
        match &self.spawn_env.store {
            Some(store_faults::FaultableStore::Dir(_)) => Some(self),
            Some(store_faults::FaultableStore::Sqlite(_)) => self
                .spawn_env
                .fiu_dir
                .is_some()
                .then_some(self as &dyn StoreFaults),
            Some(store_faults::FaultableStore::Postgres) => {
                crate::broker::PostgresFaults::of_run(&self.shared)
                    .is_some()
                    .then_some(self as &dyn StoreFaults)
            }
            None => None,
        }
    }
}
