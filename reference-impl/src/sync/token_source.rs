use std::error::Error as StdError;
use std::sync::Arc;

use async_trait::async_trait;

use crate::broker::{BrokerError, ErrorKind, TokenBroker};
use crate::secret::AccessToken;

/// Where the sync engine and the outbox get access tokens.
///
/// ```
/// use async_trait::async_trait;
/// use reference_impl::{AccessToken, TokenSource, TokenSourceError};
///
/// /// A fixed token, as a test might use.
/// #[derive(Debug)]
/// struct Fixed;
///
/// #[async_trait]
/// impl TokenSource for Fixed {
///     async fn access_token(&self, _account: &str) -> Result<AccessToken, TokenSourceError> {
///         Ok(AccessToken::new("ya29.fixed"))
///     }
///     async fn token_rejected(&self, account: &str, _rejected: &AccessToken) -> Result<AccessToken, TokenSourceError> {
///         Err(TokenSourceError::NeedsReauth { account: account.to_owned() })
///     }
/// }
/// ```
#[async_trait]
pub trait TokenSource: Send + Sync + std::fmt::Debug + 'static {
    /// A token to call Gmail with.
    async fn access_token(&self, account: &str) -> Result<AccessToken, TokenSourceError>;

    /// Gmail answered 401 to `rejected`: return a freshly refreshed token (the engine
    /// calls this at most once per request before giving up).
    async fn token_rejected(
        &self,
        account: &str,
        rejected: &AccessToken,
    ) -> Result<AccessToken, TokenSourceError>;
}

/// Why no token could be had.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum TokenSourceError {
    /// The grant is revoked or expired; only the user can fix it.
    #[error("account `{account}` needs re-authorization")]
    NeedsReauth {
        /// The account.
        account: String,
    },
    /// Any other failure (provider down, store down); worth retrying later.
    #[error("no access token is available for account `{account}` right now")]
    Unavailable {
        /// The account.
        account: String,
        /// Why.
        #[source]
        source: Arc<dyn StdError + Send + Sync>,
    },
}

fn classify(account: &str, error: BrokerError) -> TokenSourceError {
    if error.kind() == ErrorKind::Revoked {
        TokenSourceError::NeedsReauth {
            account: account.to_owned(),
        }
    } else {
        TokenSourceError::Unavailable {
            account: account.to_owned(),
            source: Arc::new(error),
        }
    }
}

#[async_trait]
impl TokenSource for TokenBroker {
    async fn access_token(&self, account: &str) -> Result<AccessToken, TokenSourceError> {
        TokenBroker::access_token(self, account)
            .await
            .map_err(|error| classify(account, error))
    }

    /// A single-flight forced refresh: it refreshes only while the cached token
    /// is still the rejected one, so many workers reporting one 401 cause one
    /// refresh.
    async fn token_rejected(
        &self,
        account: &str,
        rejected: &AccessToken,
    ) -> Result<AccessToken, TokenSourceError> {
        TokenBroker::access_token_after_401(self, account, rejected)
            .await
            .map_err(|error| classify(account, error))
    }
}
