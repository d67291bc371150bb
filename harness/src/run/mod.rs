//! Running a scenario: build a world, play its timeline, then check.
//!
//! `world.rs` builds the provider and broker instances (sim: in-memory on
//! paused time; real: loopback on wall time), `play.rs` plays the timeline
//! into a [`RunRecord`] (`crate::record`), `logs.rs` captures in-process broker
//! logs, `run_store.rs` provisions a durable store for a real-mode run and
//! `store_at_rest.rs` reads it raw, `execute.rs` ties it together with the
//! checkers, and `outcome.rs` is the verdict with the seed and the replay
//! command.

mod browser;
mod execute;
mod gateway_needs;
mod gateway_setup;
mod jobs;
mod lifecycle;
mod logs;
mod mail_scopes;
mod outcome;
mod own_grants;
pub(crate) mod play;
mod requirements;
mod run_store;
mod skip;
mod step_needs;
mod store_at_rest;
mod world;

// The record lives below `run` and `checkers` (`crate::record`); these
// names stay reachable from here for callers that know them as `run::…`.
pub use crate::record::{
    AfterRejection, ApiCall, AuthRecord, AuthorizeRequest, Consent, EmailRecord, Event,
    FaultWindow, ForgedCallback, GatewayRecord, GmailDeletion, History, LOGICAL_SEND_SUBJECT,
    LogicalSend, MailCall, RelayCall, RelayOutageWindow, RestartSnapshot, RunRecord, ServedToken,
    SettledMailbox, SignInAttempt, SkippedStep, StatusSample, StoredSnapshot, SyncAttempt,
    TimelineEvent,
};
pub use execute::{mode_for, run_scenario};
pub use gateway_needs::needed_gateway;
pub use jobs::{RunResult, default_jobs, run_all};
pub use outcome::{RunOutcome, Verdict};
pub(crate) use play::{CALL_TIMEOUT, RetryAsked, Sink, Stage, lock};
pub use requirements::required_by_ci;
pub use step_needs::needed_capabilities;
pub(crate) use world::Instance;
