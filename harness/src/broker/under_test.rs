use async_trait::async_trait;
use reference_impl::{Clock, HttpTransport};
use secrecy::SecretString;
use std::fmt::Debug;
use std::sync::Arc;

/// What a broker can do; a scenario needing more is "not applicable".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// `access_token(account)` (every broker has it).
    pub access_token: bool,
    /// `status()` reports per-account state.
    pub status: bool,
}

/// Why a broker could not serve a token, as far as the harness cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
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
    /// Anything else.
    Other,
}

/// A failed `access_token` call.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind:?}: {message}")]
pub struct BrokerFailure {
    /// Its category.
    pub kind: FailureKind,
    /// The broker's message (brokers must keep secrets out of it; the leak
    /// checker verifies that).
    pub message: String,
}

/// One account as a broker reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccountReport {
    /// The account.
    pub account: String,
    /// `ok`, `refreshing`, `degraded`, `needs_reauth` or `no_token`.
    pub state: String,
}

/// A token broker as the harness drives it.
///
/// Implement this for your own Rust broker to run the scenario library
/// against it in-process.
#[async_trait]
pub trait BrokerUnderTest: Send + Sync + Debug {
    /// What the broker supports.
    fn capabilities(&self) -> Capabilities;
    /// A valid access token for `account`.
    async fn access_token(&self, account: &str) -> Result<SecretString, BrokerFailure>;
    /// Per-account state.
    async fn status(&self) -> Vec<AccountReport>;
}

/// Everything a broker instance needs from the run.
#[derive(Debug, Clone)]
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
    /// The OAuth client id.
    pub client_id: String,
    /// The OAuth client secret.
    pub client_secret: SecretString,
    /// Scopes the broker should ask for.
    pub scopes: Vec<String>,
    /// Accounts and their consented refresh tokens.
    pub accounts: Vec<(String, SecretString)>,
}

/// Builds broker instances for a run.
#[async_trait]
pub trait BrokerFactory: Send + Sync + Debug {
    /// The name used in reports and replay commands (`reference`, `mutant:NAME`).
    fn name(&self) -> String;
    /// Builds one instance.
    async fn build(&self, env: BrokerEnv) -> Arc<dyn BrokerUnderTest>;
}
