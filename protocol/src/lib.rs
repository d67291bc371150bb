//! The oauth-chaos process protocol (docs/PROTOCOL.md) as types: what a
//! broker process and the harness say to each other over JSON-RPC 2.0, one
//! message per line on stdin/stdout.
//!
//! Both sides use this crate: the reference broker's binary
//! (`reference-broker`) answers with it, the harness's process client
//! (`harness::broker::ProcessBroker`) asks and reads with it, and a test
//! checks docs/PROTOCOL.md names every [`Method`], [`ErrorKind`],
//! [`AccountState`], [`Capability`] and [`ErrorCode`] here, and nothing
//! else.
//!
//! - `envelope.rs`: the JSON-RPC request, answer and error object, and the
//!   [`ErrorCode`]s;
//! - `method.rs`: every [`Method`] by its wire name;
//! - `vocabulary.rs`: the closed word lists ([`ErrorKind`],
//!   [`AccountState`], [`Capability`]);
//! - `initialize.rs`, `tokens.rs`, `authorization.rs`, `sign_in.rs`,
//!   `mail.rs`: the params and results of each method family;
//! - `levels.rs`: the conformance levels; `redact.rs`: serde's messages
//!   without the values they quote.
//!
//! Secrets (client secret, refresh tokens, keys, codes, message bytes) are
//! plain `String`s on the wire; every type holding one has a `Debug` that
//! leaves it out.
//!
//! ```
//! use oauth_chaos_protocol::{AccessTokenParams, Method, Request};
//! let params = AccessTokenParams::plain("alice");
//! let request = Request::new(7, Method::AccessToken, &params);
//! let line = serde_json::to_string(&request).unwrap();
//! assert_eq!(line, r#"{"jsonrpc":"2.0","id":7,"method":"access_token","params":{"account":"alice"}}"#);
//! ```

mod authorization;
mod envelope;
mod initialize;
mod levels;
mod mail;
mod method;
mod redact;
mod sign_in;
mod tokens;
mod vocabulary;

pub use authorization::{AccountParam, AuthorizationUrl, CallbackParams, CompletedAuthorization};
pub use envelope::{
    Answer, ErrorCode, ErrorData, IncomingRequest, JSONRPC, Outcome, ReceivedAnswer, Request,
    RpcErrorObject,
};
pub use initialize::{
    AccountParams, ClientParams, InitializeParams, InitializeResult, PROTOCOL_VERSION,
    ProviderParams, ServiceAccountParams, StoreParams,
};
pub use levels::{ConformanceLevel, LEVELS};
pub use mail::{
    GmailRequestParams, GmailRequestResult, SendParams, SendResult, SyncResult, SyncedIdsResult,
};
pub use method::Method;
pub use redact::without_quoted_values;
pub use sign_in::{
    ServiceAccountTokenParams, SignInBeginParams, SignInCompleteParams, SignedInResult,
};
pub use tokens::{AccessTokenParams, AccessTokenResult, AccountStatusEntry, StatusResult};
pub use vocabulary::{AccountState, Capability, ErrorKind};
