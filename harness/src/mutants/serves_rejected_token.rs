//! `mutant:serves-rejected-token`: the reference broker, except that when
//! the app reports a 401 it ignores which token was rejected and answers
//! from its cache, so the dead token comes straight back (the bug of a
//! broker that only refreshes on expiry, or whose 401 path forgets to drop
//! the cached token).

use crate::broker::{
    AuthorizationFacet, BrokerEnv, BrokerFactory, BrokerFailure, BrokerInstance, BrokerUnderTest,
    MailFacet, StatusFacet, build_reference, forward_host,
};
use async_trait::async_trait;
use secrecy::SecretString;
use std::sync::Arc;

/// The factory of `mutant:serves-rejected-token`.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ServesRejectedTokenMutant;

#[async_trait]
impl BrokerFactory for ServesRejectedTokenMutant {
    fn name(&self) -> String {
        "mutant:serves-rejected-token".to_owned()
    }

    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerInstance>, BrokerFailure> {
        Ok(Arc::new(ServesRejectedToken {
            inner: build_reference(env).await?,
        }))
    }
}

/// The reference with a 401 path that does not forget the rejected token.
#[derive(Debug)]
struct ServesRejectedToken {
    inner: Arc<dyn BrokerInstance>,
}

#[async_trait]
impl BrokerUnderTest for ServesRejectedToken {
    /// The flaw: the rejected token is ignored, the cache answers.
    async fn access_token(
        &self,
        account: &str,
        _rejected: Option<&SecretString>,
    ) -> Result<SecretString, BrokerFailure> {
        self.inner.access_token(account, None).await
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

forward_host!(ServesRejectedToken, inner);
