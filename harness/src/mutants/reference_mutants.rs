//! Mutants built on the reference broker, for flaws in the authorization
//! flow (the naive broker has none): the reference with one thing wrong.

use crate::broker::{
    AuthorizationFacet, BrokerEnv, BrokerFactory, BrokerFailure, BrokerInstance, BrokerUnderTest,
    MailFacet, StatusFacet, build_reference, forward_host, unsupported,
};
use async_trait::async_trait;
use secrecy::SecretString;
use std::sync::{Arc, Mutex, PoisonError};

/// The scope `broad-scopes` adds: every Gmail permission there is.
const FULL_GMAIL: &str = "https://mail.google.com/";

/// The factory for a reference-based mutant, if `name` is one.
pub(super) fn reference_mutant(name: &str) -> Option<Arc<dyn BrokerFactory>> {
    match name {
        "broad-scopes" | "no-state-check" => Some(Arc::new(ReferenceMutant {
            name: name.to_owned(),
        })),
        _ => None,
    }
}

/// `mutant:broad-scopes` or `mutant:no-state-check`.
#[derive(Debug, Clone)]
struct ReferenceMutant {
    name: String,
}

#[async_trait]
impl BrokerFactory for ReferenceMutant {
    fn name(&self) -> String {
        format!("mutant:{}", self.name)
    }

    async fn build(&self, mut env: BrokerEnv) -> Result<Arc<dyn BrokerInstance>, BrokerFailure> {
        if self.name == "broad-scopes" {
            env.scopes.push(FULL_GMAIL.to_owned());
            return build_reference(env).await;
        }
        Ok(Arc::new(NoStateCheck {
            inner: build_reference(env).await?,
            last_state: Mutex::new(None),
        }))
    }
}

/// The reference, except that a callback with a state it does not know is
/// completed with the latest login attempt instead of being rejected (the
/// "one pending login per user" shortcut).
#[derive(Debug)]
struct NoStateCheck {
    inner: Arc<dyn BrokerInstance>,
    last_state: Mutex<Option<String>>,
}

fn replace_state(callback_url: &str, state: &str) -> String {
    let (base, query) = callback_url.split_once('?').unwrap_or((callback_url, ""));
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    pairs.retain(|(k, _)| k != "state");
    pairs.push(("state".to_owned(), state.to_owned()));
    format!(
        "{base}?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

// The reference in everything but the callback check: each other facet
// and the whole host are the reference's, forwarded in one line each.
#[async_trait]
impl BrokerUnderTest for NoStateCheck {
    async fn access_token(
        &self,
        account: &str,
        rejected: Option<&SecretString>,
    ) -> Result<SecretString, BrokerFailure> {
        self.inner.access_token(account, rejected).await
    }

    fn status(&self) -> Option<&dyn StatusFacet> {
        self.inner.status()
    }

    fn authorization(&self) -> Option<&dyn AuthorizationFacet> {
        self.inner
            .authorization()
            .map(|_| self as &dyn AuthorizationFacet)
    }

    fn mail(&self) -> Option<&dyn MailFacet> {
        self.inner.mail()
    }
}

forward_host!(NoStateCheck, inner);

impl NoStateCheck {
    fn inner_authorization(&self) -> Result<&dyn AuthorizationFacet, BrokerFailure> {
        self.inner
            .authorization()
            .ok_or_else(|| unsupported("authorization"))
    }
}

#[async_trait]
impl AuthorizationFacet for NoStateCheck {
    async fn begin_authorization(&self, account: &str) -> Result<String, BrokerFailure> {
        let url = self
            .inner_authorization()?
            .begin_authorization(account)
            .await?;
        let (_, query) = url.split_once('?').unwrap_or_default();
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        *self
            .last_state
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = pairs
            .into_iter()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v);
        Ok(url)
    }

    async fn complete_authorization(&self, callback_url: &str) -> Result<String, BrokerFailure> {
        let last = self
            .last_state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let inner = self.inner_authorization()?;
        match (inner.complete_authorization(callback_url).await, last) {
            (Ok(account), _) => Ok(account),
            // The flaw: whatever state came back, use the latest attempt.
            (Err(_), Some(state)) => {
                inner
                    .complete_authorization(&replace_state(callback_url, &state))
                    .await
            }
            (Err(failure), None) => Err(failure),
        }
    }
}
