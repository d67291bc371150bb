//! What a run recorded, as checkers read it: the provider's journal and
//! secrets, the run's one history of calls, polls, timeline events, fault
//! mounts and failures (`history.rs`), what the broker wrote, and the
//! mail, authorization and gateway parts (`email.rs`, `auth.rs`,
//! `gateway.rs`).
//!
//! It sits below both `run` (which fills it) and `checkers` (which judge
//! it), so neither depends on the other through it.

mod auth;
mod email;
mod gateway;
mod history;
mod run_record;

pub use auth::{AfterRejection, ApiCall, AuthRecord, AuthorizeRequest, Consent, ForgedCallback};
pub use email::{
    EmailRecord, GmailDeletion, LOGICAL_SEND_SUBJECT, LogicalSend, MailCall, RestartSnapshot,
    SettledMailbox, StoredSnapshot, SyncAttempt,
};
pub use gateway::{GatewayRecord, RelayCall, RelayOutageWindow, SignInAttempt};
pub use history::{Event, FaultMounted, History};
pub use run_record::{
    FaultWindow, KILLED_AT_STORE_WRITE, RunRecord, ServedToken, SkippedStep, StatusSample,
    TimelineEvent,
};
