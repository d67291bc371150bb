//! The standalone `mock-provider` binary's library half: the TOML config
//! file (`config.rs`, with `limits.rs` for `[memory]` and `[server]`), its
//! service accounts and their keys (`service_accounts.rs`), the range of
//! every setting (`validate.rs`, `validate_addresses.rs` for URLs, emails
//! and scopes) and errors naming the file, line and field
//! (`errors.rs`). `src/main.rs` only parses arguments and calls in here.

mod config;
mod errors;
mod limits;
mod service_accounts;
mod validate;
mod validate_addresses;

pub use config::{ClientConfig, GmailConfig, OAuthConfig, ProviderConfig};
pub use errors::ConfigError;
pub use limits::{MemoryConfig, ServerConfig};
pub use service_accounts::ServiceAccountConfig;
pub use validate::{InvalidSetting, MAX_MAILBOX_SIZE};
