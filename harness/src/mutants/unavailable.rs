//! Mutants that stop serving tokens, for the always-on `availability`
//! invariant:
//!
//! - `mutant:never-serves` answers every call with a storage error and
//!   never contacts the provider (it passed every scenario before
//!   availability existed);
//! - `mutant:corrupts-token-file` is the incident where two workers
//!   refreshed at once and corrupted their shared token file: each instance
//!   is a correct naive broker that also writes every new token to a file
//!   the fleet shares, without a lock and not atomically, and reads it back
//!   on every call. Two writes that overlap leave it unreadable, and every
//!   call after that fails.

use super::{NaiveBroker, NaiveKnobs};
use crate::broker::{
    AccountReport, BrokerEnv, BrokerFactory, BrokerFailure, BrokerInstance, BrokerUnderTest,
    FailureKind, InstanceHost, StatusFacet, forward_host,
};
use async_trait::async_trait;
use mock_provider::Fingerprint;
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// How long a write of the token file takes (write, then fsync): another
/// write that starts meanwhile interleaves with it.
const WRITE_TAKES: Duration = Duration::from_millis(50);

/// The factory for `mutant:never-serves`.
#[derive(Debug, Clone, Copy)]
pub(super) struct NeverServesMutant;

#[async_trait]
impl BrokerFactory for NeverServesMutant {
    fn name(&self) -> String {
        "mutant:never-serves".to_owned()
    }

    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerInstance>, BrokerFailure> {
        Ok(Arc::new(NeverServes {
            accounts: env.accounts.into_iter().map(|(a, _)| a).collect(),
        }))
    }
}

/// Fails every `access_token` call as `storage`; its status says `ok`.
#[derive(Debug)]
struct NeverServes {
    accounts: Vec<String>,
}

#[async_trait]
impl BrokerUnderTest for NeverServes {
    async fn access_token(
        &self,
        account: &str,
        _rejected: Option<&SecretString>,
    ) -> Result<SecretString, BrokerFailure> {
        Err(BrokerFailure::new(
            FailureKind::Storage,
            format!("could not open the token store for {account}"),
        ))
    }

    fn status(&self) -> Option<&dyn StatusFacet> {
        Some(self)
    }
}

#[async_trait]
impl StatusFacet for NeverServes {
    async fn status(&self) -> Result<Vec<AccountReport>, BrokerFailure> {
        Ok(self
            .accounts
            .iter()
            .map(|account| AccountReport {
                account: account.clone(),
                state: crate::broker::AccountState::Ok,
                alert: None,
            })
            .collect())
    }
}

#[async_trait]
impl InstanceHost for NeverServes {
    async fn restart(&self) -> Result<(), BrokerFailure> {
        Ok(())
    }
}

/// The factory for `mutant:corrupts-token-file`.
#[derive(Debug, Clone, Copy)]
pub(super) struct CorruptsTokenFileMutant;

#[async_trait]
impl BrokerFactory for CorruptsTokenFileMutant {
    fn name(&self) -> String {
        "mutant:corrupts-token-file".to_owned()
    }

    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerInstance>, BrokerFailure> {
        let file = env
            .shared
            .get_or_create("mutant.corrupts-token-file", || {
                Mutex::new(TokenFile::default())
            })
            .ok_or_else(|| {
                BrokerFailure::new(FailureKind::Other, "shared file has another type")
            })?;
        Ok(Arc::new(CorruptsTokenFile {
            inner: NaiveBroker::new(env, NaiveKnobs::correct()),
            file,
            written: Mutex::new(None),
        }))
    }
}

/// The fleet's shared token file.
#[derive(Debug, Default)]
struct TokenFile {
    /// Writes in progress.
    writers: u32,
    /// Two writes interleaved: the file no longer parses.
    corrupted: bool,
}

#[derive(Debug)]
struct CorruptsTokenFile {
    inner: NaiveBroker,
    file: Arc<Mutex<TokenFile>>,
    /// The token this instance wrote last.
    written: Mutex<Option<Fingerprint>>,
}

impl CorruptsTokenFile {
    fn file(&self) -> std::sync::MutexGuard<'_, TokenFile> {
        self.file.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn unreadable() -> BrokerFailure {
        BrokerFailure::new(
            FailureKind::Storage,
            "the token file does not parse: expected `}` at line 1",
        )
    }

    /// Writes the token file without a lock, in place: a write that starts
    /// while another is still going interleaves their bytes.
    async fn write(&self) {
        {
            let mut file = self.file();
            if file.writers > 0 {
                file.corrupted = true;
            }
            file.writers += 1;
        }
        tokio::time::sleep(WRITE_TAKES).await;
        self.file().writers -= 1;
    }
}

#[async_trait]
impl BrokerUnderTest for CorruptsTokenFile {
    async fn access_token(
        &self,
        account: &str,
        rejected: Option<&SecretString>,
    ) -> Result<SecretString, BrokerFailure> {
        if self.file().corrupted {
            return Err(Self::unreadable());
        }
        let token = self.inner.access_token(account, rejected).await?;
        let fingerprint = Fingerprint::of(token.expose_secret());
        let fresh = {
            let mut written = self.written.lock().unwrap_or_else(PoisonError::into_inner);
            let fresh = written.as_ref() != Some(&fingerprint);
            *written = Some(fingerprint);
            fresh
        };
        if fresh {
            self.write().await;
        }
        if self.file().corrupted {
            return Err(Self::unreadable());
        }
        Ok(token)
    }

    fn status(&self) -> Option<&dyn StatusFacet> {
        BrokerUnderTest::status(&self.inner)
    }
}

forward_host!(CorruptsTokenFile, inner);
