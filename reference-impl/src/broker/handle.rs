use std::fmt;
use std::sync::Arc;

use super::error::BrokerError;
use super::local::PrivateCopy;
use super::slot::AccountSlot;
use super::token_broker::{Inner, TokenBroker};
use crate::secret::AccessToken;

/// One account of a [`TokenBroker`], resolved once: the fastest way to get its token.
///
/// A handle skips the account lookup and keeps its own copy of the cached token,
/// checked against the account's epoch, so
/// [`cached_access_token`](Self::cached_access_token) is a clock read, one atomic
/// load and two comparisons, with no shared write (it scales across cores). A clone
/// makes its own copy, so [`access_token`](Self::access_token)'s owned token bumps a
/// refcount only that clone uses: give each task or thread its own clone.
///
/// ```
/// # use std::sync::Arc;
/// # use reference_impl::{BrokerConfig, MemoryStore, RefreshToken, ReqwestTransport, SystemClock, TokenBroker};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let config = BrokerConfig::new("https://oauth2.example/token", "id", "secret");
/// # let broker = TokenBroker::new(config, Arc::new(SystemClock), Arc::new(ReqwestTransport::new()), Arc::new(MemoryStore::new()))?;
/// broker.add_account("alice", RefreshToken::new("1//refresh")).await;
/// let mut alice = broker.handle("alice").await?;
/// assert!(alice.cached_access_token().is_none()); // nothing fetched yet
/// # Ok(())
/// # }
/// ```
pub struct AccountHandle {
    inner: Arc<Inner>,
    slot: Arc<AccountSlot>,
    copy: PrivateCopy,
}

impl Clone for AccountHandle {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            copy: PrivateCopy::of(&self.slot),
            slot: Arc::clone(&self.slot),
        }
    }
}

impl fmt::Debug for AccountHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountHandle")
            .field("account", &self.slot.account)
            .finish_non_exhaustive()
    }
}

impl TokenBroker {
    /// A handle to `account` (loading it from the store if needed).
    ///
    /// # Errors
    ///
    /// [`BrokerError::UnknownAccount`] or [`BrokerError::Storage`].
    pub async fn handle(&self, account: &str) -> Result<AccountHandle, BrokerError> {
        let slot = match self.inner.slot(account) {
            Some(slot) => slot,
            None => self.inner.load_slot(account).await?,
        };
        Ok(AccountHandle {
            inner: Arc::clone(&self.inner),
            copy: PrivateCopy::of(&slot),
            slot,
        })
    }
}

impl AccountHandle {
    /// The account name.
    pub fn account(&self) -> &str {
        &self.slot.account
    }

    /// The cached token, borrowed, if it is not yet due for refresh. Never sends.
    #[inline]
    pub fn cached_access_token(&mut self) -> Option<&AccessToken> {
        let now = crate::clock::Reading::of(&*self.inner.clock);
        self.inner.watch_wall(now);
        self.copy.fresh(&self.slot, now)
    }

    /// As [`TokenBroker::access_token`], without the account lookup.
    ///
    /// # Errors
    ///
    /// As [`TokenBroker::access_token`].
    pub async fn access_token(&mut self) -> Result<AccessToken, BrokerError> {
        if let Some(token) = self.cached_access_token() {
            return Ok(token.clone());
        }
        Box::pin(self.inner.token_for(&self.slot)).await
    }

    /// As [`TokenBroker::access_token_after_401`].
    ///
    /// # Errors
    ///
    /// As [`TokenBroker::access_token`].
    pub async fn access_token_after_401(
        &mut self,
        rejected: &AccessToken,
    ) -> Result<AccessToken, BrokerError> {
        self.inner.invalidate(&self.slot, rejected);
        self.access_token().await
    }
}
