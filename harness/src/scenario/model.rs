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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short unique name.
    pub name: String,
    /// What production incident it models.
    #[serde(default)]
    pub description: String,
    /// `sim` (simulated time, in memory) or `real`.
    #[serde(default)]
    pub mode: Mode,
    /// Seed for tokens, jitter and every random choice.
    #[serde(default)]
    pub seed: u64,
    /// How long the run lasts (simulated time in sim mode).
    #[serde(with = "humantime_serde")]
    pub duration: Duration,
    /// The mock provider's settings.
    #[serde(default)]
    pub provider: ProviderSettings,
    /// The broker's settings.
    #[serde(default)]
    pub broker: BrokerSettings,
    /// What happens when.
    #[serde(default)]
    pub timeline: Vec<Spanned<Step>>,
    /// What must hold.
    #[serde(default)]
    pub invariants: Invariants,
}

/// How a scenario runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Paused tokio time, in-memory transport: deterministic and fast.
    #[default]
    Sim,
    /// Wall time over loopback (not yet supported by this slice).
    Real,
}

/// The mock provider's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProviderSettings {
    /// Access-token lifetime.
    #[serde(with = "humantime_serde")]
    pub access_token_ttl: Duration,
    /// Accounts, each with a consented offline grant.
    pub accounts: Vec<String>,
    /// Time the token endpoint takes to answer each request.
    #[serde(with = "humantime_serde")]
    pub token_latency: Duration,
}

impl Default for ProviderSettings {
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(3599),
            accounts: vec![mock_provider::DEFAULT_ACCOUNT.to_owned()],
            token_latency: Duration::ZERO,
        }
    }
}

/// The broker's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BrokerSettings {
    /// How many broker instances share the grants.
    pub instances: u32,
}

impl Default for BrokerSettings {
    fn default() -> Self {
        Self { instances: 1 }
    }
}

/// One timeline step: an action at a time, optionally repeated.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// When, from the start of the run.
    #[serde(with = "humantime_serde")]
    pub at: Duration,
    /// Repeat every so often after `at`.
    #[serde(default, with = "humantime_serde")]
    pub every: Option<Duration>,
    /// Stop repeating at this time (default: the run's duration).
    #[serde(default, with = "humantime_serde")]
    pub until: Option<Duration>,
    /// What to do.
    pub action: Action,
}

/// What a step does.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// `callers` concurrent `access_token(account)` calls, each started at a
    /// seeded random offset within `spread`.
    TokenRequests {
        /// The account.
        account: String,
        /// How many concurrent callers.
        callers: u32,
        /// Window the callers' start times are spread over.
        #[serde(default, with = "humantime_serde")]
        spread: Duration,
        /// Which broker instance (default 0).
        #[serde(default)]
        instance: u32,
    },
}

/// The invariants a scenario checks, each with its parameters. An absent
/// table means the invariant is not checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invariants {
    /// Per grant, no overlapping refreshes and at most one per token generation.
    pub single_flight_refresh: Option<SingleFlightParams>,
    /// No caller is served a token about to expire.
    pub proactive_refresh: Option<ProactiveRefreshParams>,
}

/// Parameters of `single_flight_refresh`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SingleFlightParams {
    /// A successful refresh followed by another before the new token has
    /// lived this fraction of its lifetime is redundant (unless the first
    /// failed or its token was rejected).
    pub min_token_age_fraction: f64,
}

impl Default for SingleFlightParams {
    fn default() -> Self {
        Self {
            min_token_age_fraction: 0.5,
        }
    }
}

/// Parameters of `proactive_refresh`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProactiveRefreshParams {
    /// Every token served must have at least this long left at the provider.
    #[serde(with = "humantime_serde")]
    pub margin: Duration,
}

impl Default for ProactiveRefreshParams {
    fn default() -> Self {
        Self {
            margin: Duration::from_secs(60),
        }
    }
}
