//! The token broker.
//!
//! `token_broker.rs` is the public face: the lock-free cached path and account
//! bookkeeping. `refresh.rs` runs one single-flight refresh and decides what its outcome
//! means; `exchange.rs` is the `oauth2` call over our transport; `persist.rs` writes
//! grants with compare-and-swap. `slot.rs` holds per-account state, `config.rs`,
//! `error.rs` and `status.rs` the public value types.

mod config;
mod error;
mod exchange;
mod persist;
mod refresh;
mod slot;
mod status;
mod token_broker;

pub use self::config::BrokerConfig;
pub use self::error::{BrokerError, ErrorKind, ProtocolProblem};
pub use self::status::{AccountState, AccountStatus};
pub use self::token_broker::{ConfigError, TokenBroker};
