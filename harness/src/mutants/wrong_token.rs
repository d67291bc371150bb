//! Mutants that answer promptly with a token that does not serve the
//! account, for the always-on `availability` invariant (a served call
//! counts only with a token the provider issued for the account asked for,
//! not expired before the call):
//!
//! - `mutant:one-token-for-all-accounts` is the reference broker behind a
//!   cache keyed by nothing: the first account asked for is the one every
//!   later caller gets, whatever account it named (the bug of a token
//!   cached in a global);
//! - `mutant:forges-tokens` answers every call with a well-formed
//!   `ya29.` string it made up and never contacts the provider (a stub
//!   left wired in, or a test-mode fallback reached in production);
//! - `mutant:keeps-first-token` is the reference broker behind a cache
//!   that never expires: each account's first token is served for ever
//!   (an expiry never read, or read in the wrong unit).

use crate::broker::{
    AuthorizationFacet, BrokerEnv, BrokerFactory, BrokerFailure, BrokerInstance, BrokerUnderTest,
    MailFacet, StatusFacet, build_reference, forward_host,
};
use async_trait::async_trait;
use secrecy::ExposeSecret;
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// The factory of `mutant:one-token-for-all-accounts`.
#[derive(Debug, Clone, Copy)]
pub(super) struct OneTokenForAllAccountsMutant;

#[async_trait]
impl BrokerFactory for OneTokenForAllAccountsMutant {
    fn name(&self) -> String {
        "mutant:one-token-for-all-accounts".to_owned()
    }

    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerInstance>, BrokerFailure> {
        Ok(Arc::new(OneTokenForAllAccounts {
            inner: build_reference(env).await?,
            first_account: Mutex::new(None),
        }))
    }
}

/// The reference broker, asked only ever for the first account it served.
#[derive(Debug)]
struct OneTokenForAllAccounts {
    inner: Arc<dyn BrokerInstance>,
    first_account: Mutex<Option<String>>,
}

#[async_trait]
impl BrokerUnderTest for OneTokenForAllAccounts {
    /// The flaw: the account named is ignored after the first call.
    async fn access_token(
        &self,
        account: &str,
        rejected: Option<&SecretString>,
    ) -> Result<SecretString, BrokerFailure> {
        let cached_for = self
            .first_account
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert_with(|| account.to_owned())
            .clone();
        self.inner.access_token(&cached_for, rejected).await
    }

    fn status(&self) -> Option<&dyn StatusFacet> {
        self.inner.status()
    }

    fn authorization(&self) -> Option<&dyn AuthorizationFacet> {
        self.inner.authorization()
    }

    fn mail(&self) -> Option<&dyn MailFacet> {
        self.inner.mail()
    }
}

forward_host!(OneTokenForAllAccounts, inner);

/// The factory of `mutant:forges-tokens`.
#[derive(Debug, Clone, Copy)]
pub(super) struct ForgesTokensMutant;

#[async_trait]
impl BrokerFactory for ForgesTokensMutant {
    fn name(&self) -> String {
        "mutant:forges-tokens".to_owned()
    }

    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerInstance>, BrokerFailure> {
        Ok(Arc::new(ForgesTokens {
            inner: build_reference(env).await?,
        }))
    }
}

/// The reference broker for everything but `access_token`, which it never
/// asks: its status is the truthful one of a broker that made no call.
#[derive(Debug)]
struct ForgesTokens {
    inner: Arc<dyn BrokerInstance>,
}

#[async_trait]
impl BrokerUnderTest for ForgesTokens {
    /// The flaw: a made-up token in Google's shape, never the provider's.
    async fn access_token(
        &self,
        account: &str,
        _rejected: Option<&SecretString>,
    ) -> Result<SecretString, BrokerFailure> {
        let local = account.split('@').next().unwrap_or(account);
        Ok(SecretString::from(format!(
            "ya29.a0AfB_placeholder-{local}-0000000000000000000000000000"
        )))
    }

    fn status(&self) -> Option<&dyn StatusFacet> {
        self.inner.status()
    }

    fn authorization(&self) -> Option<&dyn AuthorizationFacet> {
        self.inner.authorization()
    }

    fn mail(&self) -> Option<&dyn MailFacet> {
        self.inner.mail()
    }
}

forward_host!(ForgesTokens, inner);

/// The factory of `mutant:keeps-first-token`.
#[derive(Debug, Clone, Copy)]
pub(super) struct KeepsFirstTokenMutant;

#[async_trait]
impl BrokerFactory for KeepsFirstTokenMutant {
    fn name(&self) -> String {
        "mutant:keeps-first-token".to_owned()
    }

    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerInstance>, BrokerFailure> {
        Ok(Arc::new(KeepsFirstToken {
            inner: build_reference(env).await?,
            first: Mutex::new(HashMap::new()),
        }))
    }
}

/// The reference broker, asked once per account; its answer is kept.
#[derive(Debug)]
struct KeepsFirstToken {
    inner: Arc<dyn BrokerInstance>,
    first: Mutex<HashMap<String, SecretString>>,
}

#[async_trait]
impl BrokerUnderTest for KeepsFirstToken {
    /// The flaw: a token once served is served again, whatever its expiry.
    async fn access_token(
        &self,
        account: &str,
        rejected: Option<&SecretString>,
    ) -> Result<SecretString, BrokerFailure> {
        let kept = self
            .first
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(account)
            .map(|token| SecretString::from(token.expose_secret().to_owned()));
        if let Some(token) = kept {
            return Ok(token);
        }
        let token = self.inner.access_token(account, rejected).await?;
        self.first
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                account.to_owned(),
                SecretString::from(token.expose_secret().to_owned()),
            );
        Ok(token)
    }

    fn status(&self) -> Option<&dyn StatusFacet> {
        self.inner.status()
    }

    fn authorization(&self) -> Option<&dyn AuthorizationFacet> {
        self.inner.authorization()
    }

    fn mail(&self) -> Option<&dyn MailFacet> {
        self.inner.mail()
    }
}

forward_host!(KeepsFirstToken, inner);
