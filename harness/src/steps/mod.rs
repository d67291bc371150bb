//! Timeline steps as values. Each step kind is a type that says what a
//! scenario file may write for it (serde, with its JSON Schema from
//! schemars) and implements [`StepKind`]: how it is checked against the
//! scenario, which broker capability it needs, and how it plays.
//!
//! [`Action`] is the one list of step kinds: the `steps!` invocation below
//! declares the serde enum and generates its dispatch, one exhaustive
//! `match` per method, so the compiler checks that every kind validates,
//! names its need and plays. Adding a step kind is one file (its type and
//! its `impl StepKind`) plus one line here: `gmail_request.rs` was added
//! that way.

mod bucket;
mod check;
mod clocks;
mod consent;
mod fault;
mod gateway;
mod gmail_fault;
mod gmail_request;
mod instances;
mod lifecycle;
mod mail;
mod shared;
mod store;
mod store_crash;
mod tokens;

pub use bucket::{BucketFaultKind, BucketFaultStep, BucketFaultTarget, CronRefreshDue};
pub use check::{Check, Invalid, MAX_CALLERS};
pub use clocks::{ClockJump, ClockOwner, ClockSkew};
pub use consent::{AuthorizeStep, ForgeCallbackStep, ForgeKind, GmailProfileStep};
pub use fault::{ConnectionFault, FaultEndpoint, FaultStep};
pub use gateway::{RelayOutage, RelayRequests, RotateSigningKey, ServiceAccountTokens, SignInStep};
pub use gmail_fault::{GmailFault, GmailFaultEndpoint, GmailFaultKind};
pub use gmail_request::{GmailMethod, GmailRequest};
pub use instances::{Pause, Restart, StatusPoll};
pub use lifecycle::{ChangePassword, EvictByLimit, InvalidateAccessTokens, RevokeAccount};
pub use mail::{
    CrashSync, ExpireHistory, MailboxAdd, MailboxChange, MailboxDelete, MailboxRelabel, SendStep,
    SyncStep,
};
pub use shared::{Account, OnAccount};
pub use store::{MailStoreFault, StoreFailAfter, StoreOutage, StoreReadOnly, StoreToggle};
pub use store_crash::CrashAtStoreWrite;
pub use tokens::TokenRequests;

use crate::run::Stage;

/// One kind of timeline step.
pub(crate) trait StepKind {
    /// The broker capability it needs (`None`: every broker can take it).
    /// A broker lacking it has the step skipped and recorded as such, and
    /// the invariants judging it are unknown.
    const NEEDS: Option<&'static str>;

    /// Checks the step against the scenario; the error names the field
    /// (dotted path from the step kind) and what is wrong.
    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid>;

    /// Plays the step at its moment of the run: what it does at once, and
    /// the tasks it leaves running on the stage.
    fn play(self, stage: &mut Stage<'_>);
}

/// Declares [`Action`] from one line per step kind (`"name" =>
/// Variant(Type)`, with its doc comment) and its dispatch.
macro_rules! steps {
    ($( $(#[$doc:meta])* $name:literal => $variant:ident($kind:ty), )*) => {
        /// What a step does: one variant per step kind (the key after
        /// `action.` in a file).
        #[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub enum Action {
            $( $(#[$doc])* #[serde(rename = $name)] $variant($kind), )*
        }

        impl Action {
            /// The step kind's name, as scenario files write it.
            pub fn name(&self) -> &'static str {
                match self { $( Self::$variant(_) => $name, )* }
            }

            /// The capability the step needs from the broker.
            pub fn needs(&self) -> Option<&'static str> {
                match self { $( Self::$variant(_) => <$kind as StepKind>::NEEDS, )* }
            }

            /// Checks the step against the scenario.
            pub fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
                match self { $( Self::$variant(step) => step.validate(check), )* }
            }

            /// Plays the step.
            pub(crate) fn play(self, stage: &mut Stage<'_>) {
                match self { $( Self::$variant(step) => step.play(stage), )* }
            }

            /// Every step kind's name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$( $name, )*];
        }
    };
}

steps! {
    /// `callers` concurrent `access_token(account)` calls, each started at a
    /// seeded random offset within `spread`.
    "token_requests" => TokenRequests(TokenRequests),
    /// The user revokes every grant of `account` (as from their Google
    /// account page).
    "revoke_account" => RevokeAccount(RevokeAccount),
    /// Mount a fault on the mock provider until `until`.
    "fault" => Fault(FaultStep),
    /// Set a clock's offset from true time.
    "skew_clock" => SkewClock(ClockSkew),
    /// Move a clock by an amount on top of its skew (a laptop waking up,
    /// an NTP step).
    "jump_clock" => JumpClock(ClockJump),
    /// Stall a broker instance: its clock stands still and no call reaches
    /// it for `for`; then its clock jumps to true time and held calls go in.
    "pause" => Pause(Pause),
    /// Record every instance's `status()` (or one instance's).
    "status_poll" => StatusPoll(StatusPoll),
    /// Kill an instance (SIGKILL for a process) and start it again over the
    /// same store.
    "restart" => Restart(Restart),
    /// The broker syncs an account's mailbox from Gmail (capability `gmail`).
    "sync" => Sync(SyncStep),
    /// The broker sends `count` messages, each a logical send the harness
    /// numbers and later looks for in the mock's Sent (capability `gmail`).
    "send" => Send(SendStep),
    /// `count` new messages arrive in the account's inbox at the mock.
    "mailbox_add" => MailboxAdd(MailboxAdd),
    /// `count` inbox messages are deleted at the mock.
    "mailbox_delete" => MailboxDelete(MailboxDelete),
    /// Labels change on `count` messages at the mock (read, starred,
    /// archived).
    "mailbox_relabel" => MailboxRelabel(MailboxRelabel),
    /// The mock forgets the account's history: the next partial sync gets
    /// 404 and must fall back to a full resync.
    "expire_history" => ExpireHistory(ExpireHistory),
    /// A sync that dies at a crash point (as from `kill -9`); later `sync`
    /// steps are the rerun (capability `gmail`).
    "crash_sync" => CrashSync(CrashSync),
    /// Mount a fault on a Gmail endpoint until `until`.
    "gmail_fault" => GmailFault(GmailFault),
    /// The broker's mailbox store fails its next `failures` commits (an
    /// intermittent database outage during sync).
    "mail_store_fault" => MailStoreFault(MailStoreFault),
    /// The user consents: the harness asks the broker for an authorization
    /// URL, plays the browser against the mock (in memory) and hands the
    /// redirect back to the broker (capability `authorization`).
    "authorize" => Authorize(AuthorizeStep),
    /// An attacker hands the broker a callback it must reject.
    "forge_callback" => ForgeCallback(ForgeCallbackStep),
    /// The user changes their password: every Gmail-scoped grant dies.
    "change_password" => ChangePassword(ChangePassword),
    /// Google invalidates every access token of `account` early; refresh
    /// tokens keep working.
    "invalidate_access_tokens" => InvalidateAccessTokens(InvalidateAccessTokens),
    /// The user consents `grants` more times elsewhere (another device), so
    /// the per-client refresh-token limit evicts the oldest grants.
    "evict_by_limit" => EvictByLimit(EvictByLimit),
    /// The harness calls the mock's Gmail profile with a token from the
    /// broker; on 401 it asks once for a forced refresh
    /// (`access_token` with the rejected token) and retries.
    "gmail_profile" => GmailProfile(GmailProfileStep),
    /// The harness calls any Gmail endpoint with a token from the broker, as
    /// an app would, and records the answer's status.
    "gmail_request" => GmailRequest(GmailRequest),
    /// The reference broker's store fails every call (`on = true`) or
    /// recovers (capability `store_faults`).
    "store_outage" => StoreOutage(StoreOutage),
    /// The reference broker's store rejects writes; reads still work.
    "store_read_only" => StoreReadOnly(StoreReadOnly),
    /// The reference broker's store commits `writes` more writes, then
    /// fails every write.
    "store_fail_after" => StoreFailAfter(StoreFailAfter),
    /// The instance dies (kill -9) as its token store sees its next write,
    /// and starts again over the same store (capability `store_faults`).
    "crash_at_store_write" => CrashAtStoreWrite(CrashAtStoreWrite),
    /// A browser signs in with Google through the broker, genuinely or as an
    /// attacker shaped it (capability `sign_in`).
    "sign_in" => SignIn(SignInStep),
    /// The mock publishes a new signing key and signs with it.
    "rotate_signing_key" => RotateSigningKey(RotateSigningKey),
    /// Concurrent calls for a service account's token (capability
    /// `service_accounts`).
    "service_account_tokens" => ServiceAccountTokens(ServiceAccountTokens),
    /// Concurrent token requests of one relay consumer (capability `relay`).
    "relay_requests" => RelayRequests(RelayRequests),
    /// The relay is down for a while, then restarts over its store.
    "relay_outage" => RelayOutage(RelayOutage),
    /// The run's token bucket (`store = "bucket"`) meets a fault: errors,
    /// SlowDown, latency, resets, lost acknowledgements or an outage.
    "bucket_fault" => BucketFault(BucketFaultStep),
    /// The cron fallback runs once: the reference `refresh-due` pass over
    /// the run's bucket refreshes every account with less than `within` left
    /// (through the reference broker's refresh path).
    "cron_refresh_due" => CronRefreshDue(CronRefreshDue),
}
