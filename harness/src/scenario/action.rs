//! What a timeline step can do. Adding a step kind is one variant here, one
//! arm in `load.rs` (validation) and one arm in `run/play.rs` (execution).

use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// What a step does.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// `callers` concurrent `access_token(account)` calls, each started at a
    /// seeded random offset within `spread`.
    TokenRequests(TokenRequests),
    /// The user revokes every grant of `account` (as from their Google
    /// account page).
    RevokeAccount {
        /// The account.
        account: String,
    },
    /// Mount a fault on the mock provider until `until`.
    Fault(FaultStep),
    /// Set a clock's offset from true time.
    SkewClock(ClockSkew),
    /// Move a clock by an amount on top of its skew (a laptop waking up,
    /// an NTP step).
    JumpClock(ClockJump),
    /// Stall a broker instance: its clock stands still and no call reaches
    /// it for `for`; then its clock jumps to true time and held calls go in.
    Pause(Pause),
    /// Record every instance's `status()` (or one instance's).
    StatusPoll(StatusPoll),
    /// Kill an instance (SIGKILL for a process) and start it again over the
    /// same store.
    Restart {
        /// Which instance.
        instance: u32,
    },
    /// The broker syncs an account's mailbox from Gmail (capability `gmail`).
    Sync(super::email_action::SyncStep),
    /// The broker sends `count` messages, each a logical send the harness
    /// numbers and later looks for in the mock's Sent (capability `gmail`).
    Send(super::email_action::SendStep),
    /// `count` new messages arrive in the account's inbox at the mock.
    MailboxAdd(super::email_action::MailboxChange),
    /// `count` inbox messages are deleted at the mock.
    MailboxDelete(super::email_action::MailboxChange),
    /// Labels change on `count` messages at the mock (read, starred,
    /// archived).
    MailboxRelabel(super::email_action::MailboxRelabel),
    /// The mock forgets the account's history: the next partial sync gets
    /// 404 and must fall back to a full resync.
    ExpireHistory {
        /// The account.
        account: String,
    },
    /// A sync that dies at a crash point (as from `kill -9`); later `sync`
    /// steps are the rerun (capability `gmail`).
    CrashSync(super::email_action::CrashSync),
    /// Mount a fault on a Gmail endpoint until `until`.
    GmailFault(super::email_action::GmailFault),
    /// The broker's mailbox store fails its next `failures` commits (an
    /// intermittent database outage during sync).
    MailStoreFault(super::email_action::MailStoreFault),
    /// The user consents: the harness asks the broker for an authorization
    /// URL, plays the browser against the mock (in memory) and hands the
    /// redirect back to the broker (capability `authorization`).
    Authorize(AuthorizeStep),
    /// An attacker hands the broker a callback it must reject.
    ForgeCallback(ForgeCallbackStep),
    /// The user changes their password: every Gmail-scoped grant dies.
    ChangePassword {
        /// The account.
        account: String,
    },
    /// Google invalidates every access token of `account` early; refresh
    /// tokens keep working.
    InvalidateAccessTokens {
        /// The account.
        account: String,
    },
    /// The user consents `grants` more times elsewhere (another device), so
    /// the per-client refresh-token limit evicts the oldest grants.
    EvictByLimit {
        /// The account.
        account: String,
        /// How many extra grants to issue.
        grants: u32,
    },
    /// The harness calls the mock's Gmail profile with a token from the
    /// broker; on 401 it asks once for a forced refresh
    /// (`access_token` with the rejected token) and retries.
    GmailProfile(GmailProfileStep),
    /// The reference broker's store fails every call (`on = true`) or
    /// recovers (capability `store_faults`).
    StoreOutage(StoreToggle),
    /// The reference broker's store rejects writes; reads still work.
    StoreReadOnly(StoreToggle),
    /// The reference broker's store commits `writes` more writes, then
    /// fails every write.
    StoreFailAfter(StoreFailAfter),
    /// A browser signs in with Google through the broker, genuinely or as an
    /// attacker shaped it (capability `sign_in`).
    SignIn(super::gateway::SignInStep),
    /// The mock publishes a new signing key and signs with it.
    RotateSigningKey(super::gateway::RotateSigningKey),
    /// Concurrent calls for a service account's token (capability
    /// `service_accounts`).
    ServiceAccountTokens(super::gateway::ServiceAccountTokens),
    /// Concurrent token requests of one relay consumer (capability `relay`).
    RelayRequests(super::gateway::RelayRequests),
    /// The relay is down for a while, then restarts over its store.
    RelayOutage(super::gateway::RelayOutage),
    /// The run's token bucket (`store = "bucket"`) meets a fault: errors,
    /// SlowDown, latency, resets, lost acknowledgements or an outage.
    BucketFault(super::bucket_action::BucketFaultStep),
    /// The cron fallback runs once: the reference `refresh-due` pass over
    /// the run's bucket refreshes every account with less than `within` left
    /// (through the reference broker's refresh path).
    CronRefreshDue(super::bucket_action::CronRefreshDue),
}

/// Parameters of `authorize`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorizeStep {
    /// The account that consents.
    pub account: String,
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
}

/// Which forged callback `forge_callback` hands over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ForgeKind {
    /// A genuine code with a `state` the broker never issued.
    WrongState,
    /// A callback the broker already completed, handed over again.
    Replayed,
    /// A code from the attacker's own session with the broker's live state
    /// (login CSRF / code injection); PKCE must make it fail.
    ForeignCode,
}

/// Parameters of `forge_callback`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgeCallbackStep {
    /// What kind of forgery.
    pub kind: ForgeKind,
    /// The account whose consent is forged.
    pub account: String,
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
}

/// Parameters of `gmail_profile`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GmailProfileStep {
    /// The account.
    pub account: String,
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
}

/// Parameters of `store_outage` and `store_read_only`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreToggle {
    /// Which broker instance's store (default 0).
    #[serde(default)]
    pub instance: u32,
    /// Fault on (`true`, the default) or off.
    #[serde(default = "yes")]
    pub on: bool,
}

/// Parameters of `store_fail_after`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreFailAfter {
    /// Which broker instance's store (default 0).
    #[serde(default)]
    pub instance: u32,
    /// Writes that still commit.
    pub writes: u64,
}

/// Parameters of `token_requests`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequests {
    /// The account.
    pub account: String,
    /// How many concurrent callers.
    pub callers: u32,
    /// Window the callers' start times are spread over.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub spread: Duration,
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
}

/// Which provider endpoint a fault targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FaultEndpoint {
    /// `POST /token`.
    Token,
    /// Every endpoint.
    Any,
}

/// Parameters of `fault`: a mock-provider fault rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultStep {
    /// Which endpoint.
    pub endpoint: FaultEndpoint,
    /// Only requests concerning this account.
    #[serde(default)]
    pub account: Option<String>,
    /// Answer with this HTTP status instead of the handler.
    #[serde(default)]
    pub status: Option<u16>,
    /// The body answered with `status` (default `{"error":"backend_error"}`).
    #[serde(default)]
    pub body: Option<String>,
    /// Extra headers answered with `status`, e.g. `{ "retry-after" = "30" }`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Hold each matched request this long, then handle it normally.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub delay: Option<Duration>,
    /// Apply to the first `times` matching requests only.
    #[serde(default)]
    pub times: Option<u64>,
    /// Unmount at this time from the start of the run (default: the end).
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub until: Option<Duration>,
    /// Drop the connection instead of answering: `ack_lost` (the provider
    /// does the work, e.g. issues or rotates a token, then the answer is
    /// lost), `reset` (dropped before any work) or `hang` (never answers).
    #[serde(default)]
    pub connection: Option<ConnectionFault>,
}

/// How a `fault` step drops the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionFault {
    /// The handler runs and its effects stay; then the connection drops.
    AckLost,
    /// The connection drops before the handler runs.
    Reset,
    /// The request is never answered (the client's timeout decides).
    Hang,
}

impl FaultStep {
    /// The `Retry-After` delay the fault answers with, if it has one in seconds.
    pub fn retry_after(&self) -> Option<Duration> {
        self.headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("retry-after"))
            .and_then(|(_, value)| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs)
    }
}

/// Whose clock a clock step changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockOwner {
    /// The mock provider's clock.
    Provider,
    /// One broker instance's clock (`instance`).
    Broker,
    /// Every clock at once (the world moved on, e.g. after a laptop sleep).
    All,
}

/// Parameters of `skew_clock`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockSkew {
    /// Whose clock.
    pub of: ClockOwner,
    /// Which broker instance, for `of = "broker"` (default 0).
    #[serde(default)]
    pub instance: u32,
    /// How far from true time.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub by: Duration,
    /// Ahead of true time (`true`) or behind it (`false`).
    pub ahead: bool,
}

/// Parameters of `jump_clock`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockJump {
    /// Whose clock.
    pub of: ClockOwner,
    /// Which broker instance, for `of = "broker"` (default 0).
    #[serde(default)]
    pub instance: u32,
    /// How far.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub by: Duration,
    /// Forward (`true`, the default) or backward.
    #[serde(default = "yes")]
    pub forward: bool,
}

fn yes() -> bool {
    true
}

/// Parameters of `pause`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pause {
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
    /// How long it stays stalled.
    #[serde(rename = "for", with = "humantime_serde")]
    #[schemars(with = "String")]
    pub duration: Duration,
}

/// Parameters of `status_poll`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusPoll {
    /// Only this instance (default: every instance).
    #[serde(default)]
    pub instance: Option<u32>,
}
