//! The standalone `mock-provider` binary's library half: the TOML config
//! file (`config.rs`), its service accounts and their keys
//! (`service_accounts.rs`), and errors naming the file, line and field
//! (`errors.rs`). `src/main.rs` only parses arguments and calls in here.

mod config;
mod errors;
mod service_accounts;

pub use config::{ClientConfig, GmailConfig, OAuthConfig, ProviderConfig};
pub use errors::ConfigError;
pub use service_accounts::ServiceAccountConfig;
