use super::facets::{AuthorizationFacet, MailFacet, MailFaults, StatusFacet, StoreFaults};
use async_trait::async_trait;
pub use oauth_chaos_protocol::AccountState;
use oauth_chaos_seams::{Clock, HttpTransport};
use secrecy::SecretString;
use std::fmt::Debug;
use std::sync::Arc;

/// What a broker can do; a scenario needing more is "not applicable".
///
/// Process brokers declare these by name in their `initialize` answer
/// (see docs/PROTOCOL.md).
///
/// ```
/// use harness::broker::Capabilities;
/// let caps = Capabilities::from_names(["access_token", "status", "future_thing"]);
/// assert!(caps.status && !caps.restart);
/// assert_eq!(caps.names(), vec!["access_token", "status"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// `access_token(account)` (every broker has it).
    pub access_token: bool,
    /// `status()` reports per-account state.
    pub status: bool,
    /// The harness may kill and restart an instance over the same store.
    pub restart: bool,
    /// `begin_authorization` / `complete_authorization`.
    pub authorization: bool,
    /// `gmail_request`, `sync`, `synced_ids` and `send`.
    pub gmail: bool,
    /// The harness can make the broker's store fail (`store_fault`).
    pub store_faults: bool,
    /// Hooks inside the mail side: `crash_sync` (crash points in a sync)
    /// and `fail_mail_commits` (a faultable mailbox store). In-process only:
    /// the protocol has no such hooks, so process brokers never have it.
    pub mail_hooks: bool,
    /// The host can kill a sync at a crash point (`crash_sync`): in
    /// process at the engine's own points, for a process by SIGKILL while
    /// the mock holds its N-th request (`broker/process/crash.rs`).
    pub crash_points: bool,
}

impl Capabilities {
    const NAMES: [&'static str; 8] = [
        "access_token",
        "status",
        "restart",
        "authorization",
        "gmail",
        "store_faults",
        "mail_hooks",
        "crash_points",
    ];

    /// Parses capability names; unknown names are ignored (forward compatible).
    pub fn from_names<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Self {
        let mut caps = Self::default();
        for name in names {
            match name.as_ref() {
                "access_token" => caps.access_token = true,
                "status" => caps.status = true,
                "restart" => caps.restart = true,
                "authorization" => caps.authorization = true,
                "gmail" => caps.gmail = true,
                "store_faults" => caps.store_faults = true,
                "mail_hooks" => caps.mail_hooks = true,
                "crash_points" => caps.crash_points = true,
                _ => {}
            }
        }
        caps
    }

    /// The names of the capabilities present, in a fixed order.
    pub fn names(&self) -> Vec<&'static str> {
        let flags = [
            self.access_token,
            self.status,
            self.restart,
            self.authorization,
            self.gmail,
            self.store_faults,
            self.mail_hooks,
            self.crash_points,
        ];
        Self::NAMES
            .iter()
            .zip(flags)
            .filter(|(_, on)| *on)
            .map(|(name, _)| *name)
            .collect()
    }

    /// What `instance` can do, read off the facets it has: every instance
    /// serves tokens and can be restarted by its host.
    pub fn of(instance: &dyn BrokerInstance) -> Self {
        Self {
            access_token: true,
            status: instance.status().is_some(),
            restart: true,
            authorization: instance.authorization().is_some(),
            gmail: instance.mail().is_some(),
            store_faults: instance.store_faults().is_some(),
            mail_hooks: instance
                .mail_faults()
                .is_some_and(|faults| faults.commit_faults()),
            crash_points: instance.mail_faults().is_some(),
        }
    }

    /// The names in `needed` this broker lacks.
    pub fn missing(&self, needed: &Capabilities) -> Vec<&'static str> {
        let have = self.names();
        needed
            .names()
            .into_iter()
            .filter(|name| !have.contains(name))
            .collect()
    }
}

/// Why a broker could not serve a token, as far as the harness cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The grant is dead; the user must re-authorize.
    Revoked,
    /// Temporary; a retry may succeed.
    Transient,
    /// The broker's store failed.
    Storage,
    /// The harness gave up waiting.
    Timeout,
    /// The broker process exited or closed its stdout.
    Crashed,
    /// The broker answered something that is not the protocol (bad JSON,
    /// a wrong id, a result of the wrong shape).
    Protocol,
    /// The broker does not support the operation.
    Unsupported,
    /// The harness killed the broker (a `restart` step) while the call was
    /// in flight: not the broker's fault.
    Killed,
    /// Anything else.
    Other,
}

impl FailureKind {
    /// The kind's name as in reports and the protocol (`revoked`, ...).
    ///
    /// ```
    /// assert_eq!(harness::broker::FailureKind::Revoked.name(), "revoked");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Self::Revoked => "revoked",
            Self::Transient => "transient",
            Self::Storage => "storage",
            Self::Timeout => "timeout",
            Self::Crashed => "crashed",
            Self::Protocol => "protocol",
            Self::Unsupported => "unsupported",
            Self::Killed => "killed",
            Self::Other => "other",
        }
    }

    /// True for failures that mean the broker itself misbehaved (as opposed
    /// to reporting a provider or store problem).
    pub fn is_broker_fault(self) -> bool {
        matches!(self, Self::Timeout | Self::Crashed | Self::Protocol)
    }
}

/// A failed broker call.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind:?}: {message}")]
pub struct BrokerFailure {
    /// Its category.
    pub kind: FailureKind,
    /// The broker's message (brokers must keep secrets out of it; the leak
    /// checker verifies that).
    pub message: String,
}

impl BrokerFailure {
    /// A failure of `kind` with `message`.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

/// One account as a broker reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccountReport {
    /// The account.
    pub account: String,
    /// `ok`, `refreshing`, `degraded`, `needs_reauth` or `no_token` (or
    /// a word outside the protocol, kept as the broker said it).
    pub state: AccountState,
    /// The operator alert raised on the account (`expiring_with_failures`),
    /// if the broker reports one.
    pub alert: Option<String>,
}

/// A token broker as the application calls it: tokens, and the optional
/// facets it has ([`StatusFacet`], [`AuthorizationFacet`], [`MailFacet`]).
/// What it can do is read off which facets exist ([`Capabilities::of`]),
/// so a binding cannot claim what it does not do.
///
/// Implement this (and [`InstanceHost`]) for your own Rust broker to run
/// the scenario library against it in-process.
#[async_trait]
pub trait BrokerUnderTest: Send + Sync + Debug {
    /// A valid access token for `account`; with `rejected` (a token an API
    /// just answered 401 to), a token to retry with: never `rejected` again.
    async fn access_token(
        &self,
        account: &str,
        rejected: Option<&SecretString>,
    ) -> Result<SecretString, BrokerFailure>;
    /// Per-account state, if the broker reports it.
    fn status(&self) -> Option<&dyn StatusFacet> {
        None
    }
    /// The code flow, if the broker has one.
    fn authorization(&self) -> Option<&dyn AuthorizationFacet> {
        None
    }
    /// The mail side, if the broker has one.
    fn mail(&self) -> Option<&dyn MailFacet> {
        None
    }
}

/// What the harness does to an instance and reads from it besides calling
/// it, as Jepsen's nemesis sits outside the client: its lifetime, the
/// faults injected into what the harness provisioned for it (its store, its
/// mail store, its clock), and what it wrote outside the harness's capture.
/// Each fault power is a facet too ([`StoreFaults`], [`MailFaults`]).
#[async_trait]
pub trait InstanceHost: Send + Sync + Debug {
    /// Kills the instance without warning and starts it again over the
    /// same store.
    async fn restart(&self) -> Result<(), BrokerFailure>;
    /// Ends the instance cleanly at the end of a run.
    async fn shutdown(&self) {}
    /// Faults in the instance's token store, if the harness can make it fail.
    fn store_faults(&self) -> Option<&dyn StoreFaults> {
        None
    }
    /// Faults inside the instance's mail side, if it has hooks for them.
    fn mail_faults(&self) -> Option<&dyn MailFaults> {
        None
    }
    /// Sets the instance's own wall clock to true time plus `offset_ms`
    /// (positive: ahead), as `skew_clock` and `jump_clock` steps do.
    /// In-process brokers read the run's `SimClock` and need nothing here
    /// (default: `Unsupported`); process brokers run under libfaketime.
    fn set_clock_offset(&self, offset_ms: i64) -> Result<(), BrokerFailure> {
        let _ = offset_ms;
        Err(BrokerFailure::new(
            FailureKind::Unsupported,
            "this broker reads the harness's clock",
        ))
    }
    /// The gateway powers (sign-in, service accounts, a token relay), if the
    /// instance has any (see `gateway.rs`).
    fn gateway(&self) -> Option<&dyn super::GatewayUnderTest> {
        None
    }
    /// What the instance wrote to its log outside the harness's tracing
    /// capture (a process's stderr); `None` for in-process brokers.
    fn captured_log(&self) -> Option<Vec<u8>> {
        None
    }
    /// Every protocol answer the instance sent, one line each, with an
    /// `access_token` result's own token taken out (processes); `None` for
    /// in-process brokers. The leak checker scans it.
    fn captured_answers(&self) -> Option<Vec<u8>> {
        None
    }
    /// Protocol problems seen so far (bad JSON, exits), for the report.
    fn problems(&self) -> Vec<String> {
        Vec::new()
    }
    /// Every committed store write so far, in commit order (instances whose
    /// store the harness can watch; empty otherwise).
    fn store_writes(&self) -> Vec<super::StoreWrite> {
        Vec::new()
    }
}

/// One instance of a run: the broker and its host, one object.
pub trait BrokerInstance: BrokerUnderTest + InstanceHost {}

impl<T: BrokerUnderTest + InstanceHost + ?Sized> BrokerInstance for T {}

/// The failure a step gets when the instance lacks the facet it needs.
pub fn unsupported(capability: &str) -> BrokerFailure {
    BrokerFailure::new(
        FailureKind::Unsupported,
        format!("this broker lacks the `{capability}` capability"),
    )
}

/// Everything a broker instance needs from the run.
///
/// Its `Debug` output masks secrets: the client secret and refresh tokens
/// (as `SecretString`s) and any password in the store spec.
#[derive(Clone)]
pub struct BrokerEnv {
    /// Index of this instance (0-based).
    pub instance: u32,
    /// The seed of the run (for the broker's own jitter).
    pub seed: u64,
    /// The instance's clock.
    pub clock: Arc<dyn Clock>,
    /// The instance's transport to the provider.
    pub transport: Arc<dyn HttpTransport>,
    /// `POST` URL of the token endpoint.
    pub token_url: String,
    /// The authorization endpoint.
    pub auth_url: String,
    /// The revocation endpoint.
    pub revoke_url: String,
    /// The Gmail API base URL.
    pub gmail_base: String,
    /// The OAuth client id.
    pub client_id: String,
    /// The OAuth client secret.
    pub client_secret: SecretString,
    /// Scopes the broker should ask for.
    pub scopes: Vec<String>,
    /// Accounts and their consented refresh tokens.
    pub accounts: Vec<(String, SecretString)>,
    /// The store kind the scenario asks for (`memory`, `shared-memory`, ...).
    pub store: String,
    /// Objects every instance of one run shares (e.g. a store that several
    /// instances use, as a fleet shares a database).
    pub shared: RunShared,
    /// The redirect URI registered for the client (authorization flows).
    pub redirect_url: String,
    /// How long the broker's HTTP client waits for a whole answer (the
    /// scenario's `broker.http_timeout`; in process it is already in
    /// `transport`, processes get it in `initialize`).
    pub http_timeout: std::time::Duration,
}

impl std::fmt::Debug for BrokerEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerEnv")
            .field("instance", &self.instance)
            .field("seed", &self.seed)
            .field("clock", &self.clock)
            .field("transport", &self.transport)
            .field("token_url", &self.token_url)
            .field("auth_url", &self.auth_url)
            .field("revoke_url", &self.revoke_url)
            .field("gmail_base", &self.gmail_base)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("scopes", &self.scopes)
            .field("accounts", &self.accounts)
            .field("store", &super::redact_store_spec(&self.store))
            .field("shared", &self.shared)
            .field("redirect_url", &self.redirect_url)
            .finish()
    }
}

/// Per-run shared objects, by name: the first instance that asks creates
/// one, the others get the same.
///
/// ```
/// use harness::broker::RunShared;
/// let shared = RunShared::default();
/// let a: std::sync::Arc<String> = shared.get_or_create("k", || "first".to_owned()).unwrap();
/// let b: std::sync::Arc<String> = shared.get_or_create("k", || "second".to_owned()).unwrap();
/// assert_eq!(*b, "first");
/// # let _ = a;
/// ```
#[derive(Debug, Clone, Default)]
pub struct RunShared {
    objects: Arc<
        std::sync::Mutex<std::collections::BTreeMap<String, Arc<dyn std::any::Any + Send + Sync>>>,
    >,
}

impl RunShared {
    /// The object named `name`, created by `create` if it does not exist yet;
    /// `None` if an object of another type has that name.
    pub fn get_or_create<T: Send + Sync + 'static>(
        &self,
        name: &str,
        create: impl FnOnce() -> T,
    ) -> Option<Arc<T>> {
        let mut objects = self
            .objects
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let object = objects
            .entry(name.to_owned())
            .or_insert_with(|| Arc::new(create()))
            .clone();
        object.downcast::<T>().ok()
    }

    /// The object named `name` if one of type `T` exists.
    ///
    /// ```
    /// use harness::broker::RunShared;
    /// let shared = RunShared::default();
    /// assert!(shared.get::<u32>("k").is_none());
    /// shared.get_or_create("k", || 7u32);
    /// assert_eq!(shared.get::<u32>("k").as_deref(), Some(&7));
    /// ```
    pub fn get<T: Send + Sync + 'static>(&self, name: &str) -> Option<Arc<T>> {
        let objects = self
            .objects
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        objects.get(name)?.clone().downcast::<T>().ok()
    }
}

/// Builds broker instances for a run.
#[async_trait]
pub trait BrokerFactory: Send + Sync + Debug {
    /// The name used in reports and replay commands (`reference`, `mutant:NAME`).
    fn name(&self) -> String;
    /// True for brokers that run inside the harness (these can run sim
    /// scenarios); false for external processes (real mode only).
    fn in_process(&self) -> bool {
        true
    }
    /// Builds one instance.
    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerInstance>, BrokerFailure>;
}
