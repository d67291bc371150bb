//! A mock of Google's OAuth 2.0 provider for testing token lifecycle code.
//!
//! Start one in a line, point your code at it, and inspect what it saw:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use mock_provider::MockProvider;
//!
//! let provider = MockProvider::start().await;
//! let refresh_token = provider.refresh_token("alice@example.com").expect("seeded account");
//! # let _ = refresh_token;
//! // ... your broker refreshes against provider.token_url() ...
//! assert!(provider.journal().is_empty());
//! # }
//! ```
//!
//! Faults are values you mount ([`Fault`]), the [`Journal`] records every
//! request with token fingerprints (never values), and the
//! [`SecretRegistry`] lists every secret the provider issued so a leak
//! checker can look for them. Time is read only through [`Clock`].
//!
//! The provider also serves a slice of the Gmail API (`/gmail/v1/users/me/…`:
//! profile, messages, history, send) over mailboxes generated from the seed
//! ([`GmailSettings`], [`MockProvider::mailbox`]), an admin HTTP API under
//! `/__admin/` (docs/ADMIN_API.md), and runs standalone as the
//! `mock-provider` binary ([`standalone::ProviderConfig`]).

mod admin;
mod authorize;
mod capacity;
mod chunked_queue;
mod clock;
mod device;
mod discovery;
mod fault;
mod fingerprint;
mod gmail;
mod journal;
mod lifecycle;
mod limits;
mod outcome;
mod provider;
mod revocation;
mod server;
mod shared;
mod signing;
pub mod standalone;
mod state;
mod token;
mod tokeninfo;
mod userinfo;

pub use capacity::Capacity;
pub use clock::{Clock, SystemClock};
pub use device::{DeviceAuthorization, DeviceDecisionError, DeviceStatus};
pub use fault::{
    Fault, FaultAction, FaultActionSpec, FaultGuard, FaultSpec, FaultTarget, Latency, RequestFacts,
    Verdict,
};
pub use fingerprint::Fingerprint;
pub use gmail::{GmailSettings, MessageSummary, NewMessage};
pub use journal::{
    Endpoint, GrantId, IssuedToken, Journal, JournalEntry, JournalQuery, RequestDetails,
};
pub use limits::InvalidValue;
pub use provider::{
    DEFAULT_ACCOUNT, DEFAULT_CLIENT_ID, DEFAULT_SCOPES, MockProvider, MockProviderBuilder,
};
pub use state::{Account, Grant, RegisteredSecret, SecretKind, SecretRegistry, TokenPolicy};
pub use token::TokenError;

pub use lifecycle::{ClockOffset, SigningKeyIds};
pub use provider::{DEFAULT_REDIRECT_URI, IN_MEMORY_URI};
pub use signing::{
    DEFAULT_JWKS_MAX_AGE, ID_TOKEN_KEY_ID, InvalidServiceAccountKey, SHIPPED_SIGNING_KEYS,
    ShippedKey, SigningKeyError,
};
pub use state::{ConsentMode, RevocationCause, RevokeUnknown, Rotation};
