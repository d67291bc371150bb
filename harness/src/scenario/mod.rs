//! Scenario files: the TOML language users write and the loader that turns
//! a file into a checked [`Scenario`].
//!
//! `model.rs` is the file's shape, `crate::steps` the step kinds,
//! `invariants.rs` the checkers' parameters (every type here is what a file
//! may say, and derives the published JSON Schema), `load.rs` reads files
//! and folders and reports errors with file, line and field, and
//! `timeline.rs` expands steps into the timed events a run plays.

mod gateway;
mod gateway_validate;
mod invariant_name;
mod invariants;
mod load;
mod model;
mod timeline;

// The step kinds live in `crate::steps` (one file each); these names stay
// reachable from here for callers that know them as `scenario::…`.
pub use crate::steps::{
    Action, AuthorizeStep, BucketFaultKind, BucketFaultStep, BucketFaultTarget, ChangePassword,
    ClockJump, ClockOwner, ClockSkew, ConnectionFault, CrashSync, CronRefreshDue, EvictByLimit,
    ExpireHistory, FaultEndpoint, FaultStep, ForgeCallbackStep, ForgeKind, GmailFault,
    GmailFaultEndpoint, GmailFaultKind, GmailProfileStep, InvalidateAccessTokens, MailStoreFault,
    MailboxAdd, MailboxChange, MailboxDelete, MailboxRelabel, Pause, RelayOutage, RelayRequests,
    Restart, RevokeAccount, RotateSigningKey, SendStep, ServiceAccountTokens, SignInStep,
    StatusPoll, StoreFailAfter, StoreOutage, StoreReadOnly, StoreToggle, SyncStep, TokenRequests,
};
pub use gateway::{
    IdTokenVerifiedParams, NoCredentialToConsumerParams, RelayAvailabilityParams,
    RelayConsumerSetting, RelayRoleSetting, RelaySettings, ServiceAccountSetting, SignInKind,
};
pub use invariant_name::InvariantName;
pub use invariants::NoRejectedTokenReuseParams;
pub use invariants::{
    AlertRaisedParams, Invariants, NoTokenLeakParams, OutageSurfacedParams, ProactiveRefreshParams,
    RetryDisciplineParams, SingleFlightParams, SurvivesRestartParams,
};
pub use invariants::{AvailabilityParams, NoDuplicateEmailParams, NoLostEmailParams};
pub use invariants::{CsrfProtectedParams, LeastPrivilegeParams, NoStaleOverwriteParams};
pub use load::{load_file, load_paths, parse_scenario};
pub use model::{BrokerSettings, Mode, ProviderSettings, Scenario, Step};
pub use timeline::{TimedAction, expand_timeline};

/// The JSON Schema of scenario files, pretty-printed (what `oauth-chaos
/// schema` prints and `docs/scenario.schema.json` holds).
///
/// ```
/// assert!(harness::scenario::json_schema().contains("token_requests"));
/// ```
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Scenario);
    // A schema is plain JSON values; serializing it cannot fail.
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}
