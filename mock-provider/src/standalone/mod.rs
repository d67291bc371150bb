//! The standalone `mock-provider` binary's library half: the TOML config
//! file (`config.rs`) and errors naming the file, line and field
//! (`errors.rs`). `src/main.rs` only parses arguments and calls in here.

mod config;
mod errors;

pub use config::{ClientConfig, GmailConfig, OAuthConfig, ProviderConfig};
pub use errors::ConfigError;
