//! The cron fallback: one pass over every stored account that refreshes those
//! with less than a threshold left, through the broker's own refresh path
//! (single flight, the cross-process lease, versioned persist). It adds no
//! recovery logic of its own: it is a broker whose refresh buffer is the
//! threshold, asked once for each account's token.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::config::BrokerConfig;
use super::error::{BrokerError, ErrorKind};
use super::status::AccountStatus;
use super::token_broker::{ConfigError, TokenBroker};
use crate::clock::Clock;
use crate::store::{StoreError, TokenStore};
use crate::transport::HttpTransport;

/// What [`refresh_due`] found and did.
#[derive(Debug)]
#[non_exhaustive]
pub struct DueReport {
    /// One entry per stored account, sorted by name.
    pub accounts: Vec<DueAccount>,
    /// The store could not list its accounts (nothing was checked).
    pub store_error: Option<StoreError>,
}

/// One account's outcome in a [`DueReport`].
#[derive(Debug)]
#[non_exhaustive]
pub struct DueAccount {
    /// The account name.
    pub account: String,
    /// A refresh was sent and succeeded in this pass.
    pub refreshed: bool,
    /// Why no fresh token could be had, if so.
    pub error: Option<BrokerError>,
    /// The account's status after the pass.
    pub status: Option<AccountStatus>,
}

impl DueReport {
    /// Every account has a fresh token and the store answered.
    pub fn all_fresh(&self) -> bool {
        self.store_error.is_none() && self.accounts.iter().all(|a| a.error.is_none())
    }

    /// The store failed, for the listing or for an account.
    pub fn store_failed(&self) -> bool {
        self.store_error.is_some()
            || self.accounts.iter().any(|a| {
                a.error
                    .as_ref()
                    .is_some_and(|e| e.kind() == ErrorKind::Storage)
            })
    }
}

impl fmt::Display for DueAccount {
    /// One health line: `account=… state=… refreshed=… expires_in=…s failures=… alert=… [error=…]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.status.as_ref();
        write!(
            f,
            "account={} state={} refreshed={} expires_in={} failures={} alert={}",
            self.account,
            status.map_or("unknown", |s| super::status::state_label(s.state)),
            self.refreshed,
            status
                .and_then(|s| s.time_to_expiry)
                .map_or_else(|| "-".to_owned(), |left| format!("{}s", left.as_secs())),
            status.map_or(0, |s| s.consecutive_failures),
            status
                .and_then(|s| s.alert)
                .map_or("none", |alert| alert.name()),
        )?;
        if let Some(error) = &self.error {
            write!(f, " error={}", super::metrics::outcome_label(error.kind()))?;
        }
        Ok(())
    }
}

/// Refreshes every account in `store` whose token has less than `within` left
/// (or none), as the broker would, and reports each account's health.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use reference_impl::{BrokerConfig, MemoryStore, ReqwestTransport, SystemClock, refresh_due};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let config = BrokerConfig::new("http://127.0.0.1:9/token", "id", "secret");
/// let report = refresh_due(config, Arc::new(MemoryStore::new()), Arc::new(SystemClock),
///     Arc::new(ReqwestTransport::new()), Duration::from_secs(600)).await?;
/// assert!(report.all_fresh(), "nothing stored, nothing stale");
/// # Ok::<_, reference_impl::ConfigError>(())
/// # }).unwrap();
/// ```
///
/// # Errors
///
/// [`ConfigError`] when the provider URLs in `config` do not parse.
pub async fn refresh_due(
    config: BrokerConfig,
    store: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    transport: Arc<dyn HttpTransport>,
    within: Duration,
) -> Result<DueReport, ConfigError> {
    let config = config
        .with_refresh_buffer(within)
        .with_refresh_jitter(Duration::ZERO);
    let broker = TokenBroker::new(config, clock, transport, Arc::clone(&store))?;
    let names = match store.list_accounts().await {
        Ok(names) => names,
        Err(error) => {
            return Ok(DueReport {
                accounts: Vec::new(),
                store_error: Some(error),
            });
        }
    };
    let mut accounts = Vec::with_capacity(names.len());
    for account in names {
        let error = broker.access_token(&account).await.err();
        let status = broker
            .status()
            .into_iter()
            .find(|status| status.account == account);
        accounts.push(DueAccount {
            refreshed: status.as_ref().is_some_and(|s| s.last_refresh.is_some()),
            account,
            error,
            status,
        });
    }
    Ok(DueReport {
        accounts,
        store_error: None,
    })
}
