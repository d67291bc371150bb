//! Running a scenario: build a world, play its timeline, then check.
//!
//! `world.rs` builds the provider and broker instances (sim: in-memory on
//! paused time; real: loopback on wall time), `play.rs` plays the timeline
//! into a [`RunRecord`] (`record.rs`), `logs.rs` captures in-process broker
//! logs, `run_store.rs` provisions a durable store for a real-mode run and
//! `store_at_rest.rs` reads it raw, `execute.rs` ties it together with the
//! checkers, and `outcome.rs` is the verdict with the seed and the replay
//! command.

mod auth_record;
mod browser;
mod email_record;
mod execute;
mod gateway_needs;
mod gateway_record;
mod gateway_setup;
mod jobs;
mod lifecycle;
mod logs;
mod mail_scopes;
mod outcome;
mod play;
mod record;
mod requirements;
mod run_store;
mod skip;
mod step_needs;
mod store_at_rest;
mod world;

pub use auth_record::{
    AfterRejection, ApiCall, AuthRecord, AuthorizeRequest, Consent, ForgedCallback,
};
pub use email_record::{
    EmailRecord, GmailDeletion, LOGICAL_SEND_SUBJECT, LogicalSend, MailCall, RestartSnapshot,
    SettledMailbox, StoredSnapshot, SyncAttempt,
};
pub use execute::{mode_for, run_scenario};
pub use gateway_needs::needed_gateway;
pub use gateway_record::{GatewayRecord, RelayCall, RelayOutageWindow, SignInAttempt};
pub use jobs::{RunResult, run_all};
pub use outcome::{RunOutcome, Verdict};
pub use record::{FaultWindow, RunRecord, ServedToken, SkippedStep, StatusSample, TimelineEvent};
pub use requirements::required_by_ci;
pub use step_needs::needed_capabilities;
