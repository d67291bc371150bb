use super::invariants::Invariants;
use crate::steps::Action;
use schemars::JsonSchema;
use serde::Deserialize;
use std::time::Duration;
use toml::Spanned;

/// One scenario file.
///
/// ```
/// let text = r#"
/// name = "herd"
/// seed = 7
/// duration = "2h"
///
/// [[timeline]]
/// at = "0s"
/// every = "1h"
/// action.token_requests = { account = "alice@example.com", callers = 50 }
///
/// [invariants]
/// single_flight_refresh = {}
/// "#;
/// let scenario = harness::scenario::parse_scenario(text, "herd.toml").unwrap();
/// assert_eq!(scenario.seed, 7);
/// ```
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short unique name.
    pub name: String,
    /// What production incident it models.
    #[serde(default)]
    pub description: String,
    /// How an in-process broker plays it: `sim` (paused time, in memory) or
    /// `real` (wall time, loopback HTTP: for real stores). Broker processes
    /// play every scenario on the process timeline whatever this says.
    #[serde(default)]
    pub mode: Mode,
    /// Seed for tokens, jitter and every random choice.
    #[serde(default)]
    pub seed: u64,
    /// How long the run lasts (simulated time in sim mode), e.g. `"3h"`.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub duration: Duration,
    /// The mock provider's settings.
    #[serde(default)]
    pub provider: ProviderSettings,
    /// The broker's settings.
    #[serde(default)]
    pub broker: BrokerSettings,
    /// What happens when.
    #[serde(default)]
    #[schemars(with = "Vec<Step>")]
    pub timeline: Vec<Spanned<Step>>,
    /// What must hold.
    #[serde(default)]
    pub invariants: Invariants,
    /// Service accounts: the mock knows them, the broker holds their keys.
    #[serde(default)]
    pub service_accounts: Vec<super::gateway::ServiceAccountSetting>,
    /// A token relay for consumer workers, in front of instance 0.
    #[serde(default)]
    pub relay: Option<super::gateway::RelaySettings>,
}

/// How a scenario runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Paused tokio time and the in-memory transport for in-process
    /// brokers: deterministic and fast. Processes run it on the process
    /// timeline (wall speed, quiet stretches skipped).
    #[default]
    Sim,
    /// Wall time and a mock provider on 127.0.0.1 for in-process brokers
    /// too: only where a scenario needs it (a real SQLite file, a
    /// PostgreSQL cluster, an S3 server), and then short, since in process
    /// nothing is skipped. Say why in the file.
    Real,
}

impl Mode {
    /// The name used in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sim => "sim",
            Self::Real => "real",
        }
    }
}

/// The mock provider's settings.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ProviderSettings {
    /// Access-token lifetime (Google: `"3599s"`).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub access_token_ttl: Duration,
    /// Accounts, each with a consented offline grant.
    pub accounts: Vec<String>,
    /// Time the token endpoint takes to answer each request.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub token_latency: Duration,
    /// Refresh-token rotation with this grace for the rotated-out token
    /// (Google does not rotate; other providers do). Absent: no rotation.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub rotation_grace: Option<Duration>,
    /// The app is in Testing status: refresh tokens die 7 days after consent.
    pub testing_mode: bool,
    /// Live refresh tokens per (account, client) before the oldest is
    /// evicted (Google: 100).
    pub refresh_token_limit: Option<usize>,
}

impl Default for ProviderSettings {
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(3599),
            accounts: vec![mock_provider::DEFAULT_ACCOUNT.to_owned()],
            token_latency: Duration::ZERO,
            rotation_grace: None,
            testing_mode: false,
            refresh_token_limit: None,
        }
    }
}

/// The broker's settings.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BrokerSettings {
    /// How many broker instances share the grants.
    pub instances: u32,
    /// The store the broker is told to use (`memory` unless the broker
    /// supports more; passed through to process brokers as `store.kind`).
    /// In real mode `postgres`, `sqlite` and `file` make the harness provide
    /// one store for the run's whole fleet (a schema, a database file, a
    /// directory), which it also reads raw for the leak checker.
    pub store: String,
    /// The scopes the app declares and the broker is configured with
    /// (default: Gmail read-only).
    pub scopes: Vec<String>,
    /// How long an in-process broker's HTTP client waits for a whole
    /// response before giving up with a timeout (default 30s, in both
    /// modes). A provider delay longer than this is "latency past the
    /// client's timeout". Process brokers use their own client's timeout.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub http_timeout: Duration,
}

impl Default for BrokerSettings {
    fn default() -> Self {
        Self {
            instances: 1,
            store: "memory".to_owned(),
            scopes: mock_provider::DEFAULT_SCOPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            http_timeout: DEFAULT_HTTP_TIMEOUT,
        }
    }
}

/// The in-process broker's HTTP client timeout unless a scenario sets
/// `broker.http_timeout`.
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// One timeline step: an action at a time, optionally repeated.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// When, from the start of the run.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub at: Duration,
    /// Repeat every so often after `at`.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub every: Option<Duration>,
    /// Stop repeating at this time (default: the run's duration).
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub until: Option<Duration>,
    /// What to do.
    pub action: Action,
}
