//! The OAuth surface over real loopback sockets, grouped by topic: one test
//! binary (so it links once), one module per topic.

mod common;

mod authorization_code_flow;
mod authorize_endpoint;
mod in_memory;
mod lifecycle;
mod revoke_and_tokeninfo;
mod service_accounts;
mod signing_keys;
mod token_errors;
