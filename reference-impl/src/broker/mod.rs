//! The token broker.
//!
//! `token_broker.rs` is the public face and account bookkeeping; `handle.rs` is the per-account handle for the fastest path.
//! `refresh.rs` runs single-flight refreshes in their own tasks and decides what a
//! failure means, with `retry.rs` (urgency, backoff, rate limit) and `lease.rs`
//! (cross-process coordination). `obtain.rs` is one exchange and what follows it,
//! `exchange.rs` the `oauth2` call over our transport, `jwt_bearer.rs` the
//! service-account grant, `response_check.rs` the vetting
//! of answers, `persist.rs` compare-and-swap writes and their background retry.
//! `refresh_due.rs` is the cron fallback's one pass over the store.
//! `scoped.rs` serves down-scoped tokens per (account, scope set).
//! `authorize.rs` is the code flow, `revoke.rs` revocation, `background.rs` the
//! proactive refresher. `slot.rs` holds per-account state; `config.rs`, `error.rs`,
//! `authorize_error.rs`, `status.rs` and `metrics.rs` the public value types and names.
//! `provider_frame.rs` keeps stored expiry in the provider's frame (the `Date` of
//! its answers), so components whose clocks disagree read each other's grants right.
//! `wall_steps.rs` notices a wall clock stepped back and moves cached expiry with it.
//! `hot_path.rs` is the by-name cached path and its future; `local.rs` keeps
//! per-thread copies of cached tokens so that path takes no shared write.

mod authorize;
mod authorize_error;
mod background;
mod config;
mod error;
pub(crate) mod exchange;
mod handle;
mod hot_path;
mod jwt_bearer;
mod lease;
mod local;
mod metrics;
mod obtain;
mod persist;
mod provider_frame;
mod reconsent;
mod refresh;
mod refresh_due;
pub(crate) mod response_check;
mod retry;
mod revoke;
mod scoped;
mod slot;
mod status;
mod tasks;
mod token_broker;
mod wall_steps;

pub use self::authorize_error::AuthorizationError;
pub use self::background::BackgroundRefresh;
pub use self::config::BrokerConfig;
pub use self::error::{AssertionRejection, BrokerError, ErrorKind, ProtocolProblem};
pub use self::handle::AccountHandle;
pub use self::hot_path::AccessTokenFuture;
pub use self::refresh_due::{DueAccount, DueReport, refresh_due};
pub use self::status::{ALERT_AFTER_FAILURES, AccountState, AccountStatus, Alert, FailureCounts};
pub use self::token_broker::{ConfigError, TokenBroker};
