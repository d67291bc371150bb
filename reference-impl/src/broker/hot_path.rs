//! The by-name cached path: [`TokenBroker::access_token`] and its future.
//!
//! The future is written by hand rather than with `async fn` so its `poll` can be
//! inlined into the caller: a cached call then builds its answer in place instead of
//! moving an 80-byte `Result` and the future itself through memory, which on the
//! benchmark machine cost as much as the clock read.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::BoxFuture;

use super::error::BrokerError;
use super::token_broker::TokenBroker;
use crate::secret::AccessToken;

impl TokenBroker {
    /// A valid access token for `account`, refreshing it first if it is due.
    ///
    /// The cached path takes no lock and sends nothing. When a refresh is due, exactly
    /// one refresh per account runs (in its own task, so cancelling a caller never
    /// loses its result) and every concurrent caller gets its outcome. If a refresh
    /// fails transiently while the old token has not expired yet, the old token is
    /// returned and the next attempt is backed off.
    ///
    /// Nothing happens until the future is polled; the cache is checked then.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use reference_impl::{BrokerConfig, ErrorKind, MemoryStore, ReqwestTransport, SystemClock, TokenBroker};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let config = BrokerConfig::new("https://oauth2.example/token", "id", "secret");
    /// # let broker = TokenBroker::new(config, Arc::new(SystemClock), Arc::new(ReqwestTransport::new()), Arc::new(MemoryStore::new()))?;
    /// let pending = broker.access_token("nobody");
    /// assert_eq!(format!("{pending:?}"), r#"AccessTokenFuture { account: "nobody", refreshing: false }"#);
    /// let error = pending.await.unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::UnknownAccount);
    /// assert!(broker.cached_access_token("nobody").is_none());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// See [`BrokerError::kind`]: `Revoked` needs user action, `Transient` can be
    /// retried, the others point at a bug or misconfiguration.
    #[inline]
    pub fn access_token<'a>(&'a self, account: &'a str) -> AccessTokenFuture<'a> {
        AccessTokenFuture {
            broker: self,
            account,
            slow: None,
        }
    }

    /// The cached token for `account` if it is not yet due for refresh; never sends,
    /// never waits. [`access_token`](Self::access_token) starts with exactly this.
    ///
    /// It serves this thread's own copy of the token (so concurrent callers on other
    /// cores share no reference count), checked against the account's epoch, which
    /// every refresh, revocation or invalidation bumps once it is done.
    // Not inlined: its answer fits in a register, so the caller's `poll` stays small.
    pub fn cached_access_token(&self, account: &str) -> Option<AccessToken> {
        let now = crate::clock::Reading::of(&*self.inner.clock);
        self.inner.watch_wall(now);
        super::local::fresh(&self.inner, account, now)
    }

    /// Boxed so [`AccessTokenFuture`] stays a few words in size, and out of line so
    /// its `poll` stays small enough to inline: the refresh machinery is large.
    #[cold]
    #[inline(never)]
    fn access_token_uncached<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<AccessToken, BrokerError>> {
        Box::pin(self.inner.access_token_slow(account))
    }
}

/// The future of [`TokenBroker::access_token`].
#[must_use = "futures do nothing unless awaited"]
pub struct AccessTokenFuture<'a> {
    broker: &'a TokenBroker,
    account: &'a str,
    /// The refresh path, once the cache could not answer.
    slow: Option<BoxFuture<'a, Result<AccessToken, BrokerError>>>,
}

impl Future for AccessTokenFuture<'_> {
    type Output = Result<AccessToken, BrokerError>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let slow = match &mut this.slow {
            Some(slow) => slow,
            None => {
                if let Some(token) = this.broker.cached_access_token(this.account) {
                    return Poll::Ready(Ok(token));
                }
                this.slow
                    .insert(this.broker.access_token_uncached(this.account))
            }
        };
        slow.as_mut().poll(cx)
    }
}

impl fmt::Debug for AccessTokenFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessTokenFuture")
            .field("account", &self.account)
            .field("refreshing", &self.slow.is_some())
            .finish()
    }
}
