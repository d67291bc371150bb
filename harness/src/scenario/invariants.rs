//! The `[invariants]` table: which checkers run, with their parameters.
//! Adding a checker is one field here and one line in `checkers::checkers_for`.

use schemars::JsonSchema;
use serde::Deserialize;
use std::time::Duration;

/// The invariants a scenario checks, each with its parameters. An absent
/// table means the invariant is not checked.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Invariants {
    /// Always checked: every `access_token` call is served unless the
    /// scenario made serving impossible, and then it fails with the right
    /// kind. This table only tunes it.
    pub availability: Option<AvailabilityParams>,
    /// Per grant, no overlapping refreshes and at most one per token generation.
    pub single_flight_refresh: Option<SingleFlightParams>,
    /// No caller is served a token about to expire.
    pub proactive_refresh: Option<ProactiveRefreshParams>,
    /// No retry after `invalid_grant`, Retry-After honoured, bounded rate,
    /// backoff that grows during a failure streak (unless Retry-After set
    /// the pace).
    pub retry_discipline: Option<RetryDisciplineParams>,
    /// After a revocation, `status()` reports it within a bound.
    pub outage_surfaced: Option<OutageSurfacedParams>,
    /// No secret in the broker's logs, errors, request URLs or plaintext store.
    pub no_token_leak: Option<NoTokenLeakParams>,
    /// After a `restart` step, every account served before is served again
    /// with no new consent.
    pub survives_restart: Option<SurvivesRestartParams>,
    /// Every message Gmail has is stored after a final sync, nothing stored
    /// is dropped while Gmail has it, every acknowledged send is in Sent.
    pub no_lost_email: Option<NoLostEmailParams>,
    /// No message stored twice; no message or logical send in Sent twice.
    pub no_duplicate_email: Option<NoDuplicateEmailParams>,
    /// Every authorization request asks only for the scopes the scenario
    /// declares (`broker.scopes`).
    pub least_privilege: Option<LeastPrivilegeParams>,
    /// Forged callbacks (wrong state, replayed, foreign code) are rejected,
    /// and every authorization request carries a state and PKCE S256.
    pub csrf_protected: Option<CsrfProtectedParams>,
    /// The store never goes back to an older grant version, and a
    /// rotated-out refresh token is never presented after its grace.
    pub no_stale_overwrite: Option<NoStaleOverwriteParams>,
    /// Near expiry with refreshes failing, `status()` raises the
    /// `expiring_with_failures` alert within a bound.
    pub alert_raised: Option<AlertRaisedParams>,
    /// After an API answered 401 and the app said so, the broker never
    /// serves the rejected token again.
    pub no_rejected_token_reuse: Option<NoRejectedTokenReuseParams>,
    /// No forged, expired, wrong-audience, wrong-issuer, `alg=none`,
    /// unknown-key or replayed-nonce id_token (nor a replayed or foreign
    /// state) signs anyone in, and every genuine sign-in succeeds, across key
    /// rotations.
    pub id_token_verified: Option<super::gateway::IdTokenVerifiedParams>,
    /// No refresh token, client secret or service-account key reaches a relay
    /// consumer.
    pub no_credential_to_consumer: Option<super::gateway::NoCredentialToConsumerParams>,
    /// Relay consumers answer promptly with retryable errors while the relay
    /// is down, do not loop, and get tokens again once it is back.
    pub relay_consumers_available: Option<super::gateway::RelayAvailabilityParams>,
}

/// Parameters of `no_rejected_token_reuse` (none yet; write
/// `no_rejected_token_reuse = {}`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoRejectedTokenReuseParams {}

/// Parameters of the always-on `availability` invariant.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AvailabilityParams {
    /// A token the instance was served earlier still counts as usable while
    /// it has more than this left (capped at a quarter of its lifetime), so
    /// a broker that refuses a token inside its own refresh margin is not
    /// failed for that margin. Default 5m, the largest margin in common
    /// client libraries.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub usable_margin: Duration,
    /// After the provider's last failed answer to a refresh for an account,
    /// calls may fail as `transient` for this long while the broker backs
    /// off (extended to a `Retry-After` the answer carried). Default 60s.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub recovery_grace: Duration,
}

impl Default for AvailabilityParams {
    fn default() -> Self {
        Self {
            usable_margin: Duration::from_secs(300),
            recovery_grace: Duration::from_secs(60),
        }
    }
}

/// Parameters of `no_lost_email` (none yet; write `no_lost_email = {}`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoLostEmailParams {}

/// Parameters of `no_duplicate_email` (none yet; write `no_duplicate_email = {}`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoDuplicateEmailParams {}

/// Parameters of `least_privilege` (none yet; write `least_privilege = {}`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeastPrivilegeParams {}

/// Parameters of `csrf_protected` (none yet; write `csrf_protected = {}`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CsrfProtectedParams {}

/// Parameters of `no_stale_overwrite` (none yet; write `no_stale_overwrite = {}`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoStaleOverwriteParams {}

/// Parameters of `survives_restart` (none yet; write `survives_restart = {}`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SurvivesRestartParams {}

/// Parameters of `single_flight_refresh`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SingleFlightParams {
    /// A successful refresh followed by another before the new token has
    /// lived this fraction of its lifetime is redundant (unless the first
    /// failed or its token was rejected).
    pub min_token_age_fraction: f64,
    /// How many refreshes of one grant may be in flight at once (default
    /// 1). A fleet whose shared store cannot take the refresh lease (down
    /// or read-only) coordinates nothing, and each instance may then
    /// refresh once: `max_in_flight = <instances>`.
    pub max_in_flight: u32,
}

impl Default for SingleFlightParams {
    fn default() -> Self {
        Self {
            min_token_age_fraction: 0.5,
            max_in_flight: 1,
        }
    }
}

/// Parameters of `proactive_refresh`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ProactiveRefreshParams {
    /// Every token served must have at least this long left at the provider.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub margin: Duration,
    /// A live token served inside the margin is excused while the provider
    /// is failing the broker's refreshes: a refresh for the account sent
    /// after the token was issued got an outage answer (not a refusal)
    /// during the call or this long before it (extended to a `Retry-After`
    /// the answer carried), as `availability` excuses `transient`.
    /// Default 60s.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub recovery_grace: Duration,
}

impl Default for ProactiveRefreshParams {
    fn default() -> Self {
        Self {
            margin: Duration::from_secs(60),
            recovery_grace: Duration::from_secs(60),
        }
    }
}

/// Parameters of `retry_discipline`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RetryDisciplineParams {
    /// Refresh attempts allowed on a grant after it was answered
    /// `invalid_grant` (raise to `instances - 1` for fleets whose other
    /// instances each learn it once).
    pub attempts_after_invalid_grant: u32,
    /// At most this many refresh requests per grant in any `rate_window`.
    pub max_refreshes_per_window: u32,
    /// The sliding window of `max_refreshes_per_window`.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub rate_window: Duration,
    /// Once the gap between failed attempts reaches this, it may stop growing.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub max_backoff: Duration,
    /// Slack for timing comparisons (scheduling noise in real mode).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub tolerance: Duration,
}

impl Default for RetryDisciplineParams {
    fn default() -> Self {
        Self {
            attempts_after_invalid_grant: 0,
            max_refreshes_per_window: 10,
            rate_window: Duration::from_secs(60),
            max_backoff: Duration::from_secs(60),
            tolerance: Duration::from_millis(50),
        }
    }
}

/// Parameters of `outage_surfaced`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OutageSurfacedParams {
    /// The broker must report `needs_reauth` this soon after it was told
    /// `invalid_grant`.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub within: Duration,
    /// How often the harness polls `status()` during the run.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub poll_every: Duration,
}

impl Default for OutageSurfacedParams {
    fn default() -> Self {
        Self {
            within: Duration::from_secs(300),
            poll_every: Duration::from_secs(30),
        }
    }
}

/// Parameters of `no_token_leak`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NoTokenLeakParams {
    /// A run of this many characters of a secret (or of its URL-encoded or
    /// base64 form) counts as a leak.
    pub min_substring: usize,
}

impl Default for NoTokenLeakParams {
    fn default() -> Self {
        Self { min_substring: 16 }
    }
}

/// Parameters of `alert_raised`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AlertRaisedParams {
    /// The alert must show in `status()` this soon after the condition holds.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub within: Duration,
    /// "Near expiry": the last token issued expires within this.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub warning: Duration,
    /// "Keeps failing": this many refresh requests in a row failed since it
    /// was issued.
    pub failures: u32,
}

impl Default for AlertRaisedParams {
    fn default() -> Self {
        Self {
            within: Duration::from_secs(60),
            warning: Duration::from_secs(120),
            failures: 3,
        }
    }
}
