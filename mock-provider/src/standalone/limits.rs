//! `[memory]` and `[server]`: how much the standalone provider keeps and
//! how long it waits for slow clients.

use crate::Capacity;
use serde::Deserialize;

/// `[memory]`: the bounds of what the provider remembers.
///
/// ```toml
/// [memory]
/// journal_capacity = 100000      # newest entries kept; or "unbounded"
/// secret_capacity = "unbounded"  # issued secrets kept (client secrets always)
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryConfig {
    /// Journal entries kept (default 100,000); older ones are dropped and
    /// counted in `GET /__admin/journal`'s `dropped`.
    pub journal_capacity: Option<Capacity>,
    /// Issued secrets kept (default 100,000).
    pub secret_capacity: Option<Capacity>,
}

/// `[server]`: read timeouts against slow or stalled clients.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Seconds a connection may take to send a request head (default 10);
    /// also how long an idle keep-alive connection stays open.
    pub header_read_timeout_secs: Option<u64>,
    /// Seconds a request body may take once its head arrived (default 10).
    pub body_read_timeout_secs: Option<u64>,
}
