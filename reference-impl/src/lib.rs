//! A reference OAuth 2.0 token broker, written to be copied into production.
//!
//! [`TokenBroker`] hands out access tokens per account:
//!
//! - the cached path takes no lock and sends nothing;
//! - a due token is refreshed by exactly one caller per account, and everyone waiting
//!   gets that outcome (success or failure) instead of sending their own;
//! - `invalid_grant` and friends mark the account as needing re-authorization, after
//!   which calls fail fast without touching the provider;
//! - refreshed grants are written with versioned compare-and-swap ([`TokenStore`]); if
//!   the store is down the broker keeps serving from memory and reports `Degraded`.
//!
//! Time, HTTP and storage are injected ([`Clock`], [`HttpTransport`], [`TokenStore`]),
//! which is how the oauth-chaos harness runs it under simulated time and faults.
//! Tokens live in redacting types ([`AccessToken`], [`RefreshToken`], [`ClientSecret`]).
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use reference_impl::{BrokerConfig, MemoryStore, RefreshToken, ReqwestTransport, SystemClock, TokenBroker};
//! use wiremock::matchers::{body_string_contains, method};
//! use wiremock::{Mock, MockServer, ResponseTemplate};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let google = MockServer::start().await;
//! Mock::given(method("POST"))
//!     .and(body_string_contains("grant_type=refresh_token"))
//!     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
//!         "access_token": "ya29.example", "expires_in": 3599, "token_type": "Bearer",
//!     })))
//!     .expect(1)
//!     .mount(&google)
//!     .await;
//!
//! let config = BrokerConfig::new(format!("{}/token", google.uri()), "client-id", "client-secret");
//! let broker = TokenBroker::new(
//!     config,
//!     Arc::new(SystemClock),
//!     Arc::new(ReqwestTransport::new()),
//!     Arc::new(MemoryStore::new()),
//! )?;
//! broker.add_account("alice", RefreshToken::new("1//refresh")).await;
//!
//! let token = broker.access_token("alice").await?; // refreshes once
//! let again = broker.access_token("alice").await?; // served from cache
//! assert_eq!(token.expose_secret(), again.expose_secret());
//! # Ok(())
//! # }
//! ```
#![doc = include_str!("docs/lifecycle.md")]

mod broker;
mod clock;
mod crypto;
mod relay;
mod secret;
mod service_account;
mod signin;
mod store;
mod transport;

pub use crate::broker::AccessTokenFuture;
pub use crate::broker::{
    ALERT_AFTER_FAILURES, AccountHandle, AccountState, AccountStatus, Alert, AssertionRejection,
    AuthorizationError, BackgroundRefresh, BrokerConfig, BrokerError, ConfigError, DueAccount,
    DueReport, ErrorKind, FailureCounts, ProtocolProblem, TokenBroker, refresh_due,
};
pub use crate::clock::{Clock, SystemClock, WALL_NAP, sleep_until_wall};
pub use crate::crypto::{KEYRING_ENV, Keyring, KeyringError, SealedGrant};
pub use crate::relay::{
    AlertSink, IssuedToken, LogAlerts, RelayAlert, RelayClient, RelayClientError, RelayConfig,
    RelayConfigError, RelayError, RelayToken, Role, RoleStats, TokenRelay,
};
pub use crate::secret::{AccessToken, ClientSecret, RefreshToken};
pub use crate::service_account::{ServiceAccountGrant, ServiceAccountKey, ServiceAccountKeyError};
pub use crate::signin::{
    GoogleSignIn, IdTokenRejection, SignInConfig, SignInConfigError, SignInError, VerifiedIdentity,
};
pub use crate::store::{
    BUCKET_RETRY_AFTER, BUCKET_SOURCE_ENV, BucketLocation, BucketSpecError, BucketStore,
    LocalFirstStore, ServerDates, SkipReason, SyncMeta, is_retriable,
};
pub use crate::store::{CasOutcome, MemoryStore, StoreError, StoredGrant, TokenStore};
pub use crate::store::{
    FileStore, Lease, PostgresStore, RotationReport, SqliteStore, StoreSpec, StoreSpecError,
    rotate_keys,
};
pub use crate::transport::{
    HttpRequest, HttpResponse, HttpTransport, ReqwestTransport, TransportError,
};

mod mailbox;
mod outbox;
mod sync;

pub use crate::mailbox::{
    Fence, MailboxCommit, MailboxError, MailboxStore, MemoryMailbox, OutboxEntry, OutboxState,
    PostgresMailbox, SqliteMailbox, StoredMessage, SyncLease,
};
pub use crate::outbox::{
    Delivery, DeliveryReport, InvalidMessageIdDomain, MessageIdDomain, Outbox, OutboxConfig,
    OutboxError,
};
pub use crate::sync::{
    CrashPoint, CrashPoints, Crashed, GmailEndpoint, InvalidGmailBase, Location, NoCrashes,
    RetryPolicy, SyncConfig, SyncEngine, SyncError, SyncMode, SyncReport, TokenSource,
    TokenSourceError,
};
