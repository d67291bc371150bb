//! A token relay for downstream workers that must never hold the long-lived
//! credential.
//!
//! [`TokenRelay`] (`service.rs`) owns a [`TokenBroker`](crate::TokenBroker) (refresh
//! tokens and service-account keys stay in it, sealed in its store) and hands each
//! consumer, authenticated by its own bearer credential, only a short-lived access
//! token down-scoped to the consumer's role (`config.rs`), single flight per
//! (account, scope set). `stats.rs` keeps latency and consecutive-failure numbers
//! and raises an alert after N failures in a row; `http.rs` is the axum service;
//! `client.rs` is the consumer's [`RelayClient`], which caches the token and, while
//! the relay is down, fails fast with a typed, retryable error instead of looping.

mod client;
mod config;
mod http;
mod service;
mod stats;

pub use self::client::{RelayClient, RelayClientError, RelayToken};
pub use self::config::{RelayConfig, RelayConfigError, Role};
pub use self::service::{IssuedToken, RelayError, TokenRelay};
pub use self::stats::{AlertSink, LogAlerts, RelayAlert, RoleStats};
