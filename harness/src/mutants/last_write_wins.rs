//! `mutant:last-write-wins`: the reference broker, but its instances share
//! a store that is a plain token file: no compare-and-swap, no lock. Every
//! write replaces what is there, whatever version it carries, so a worker
//! that refreshed from an older copy writes the grant back in time.

use crate::broker::{
    BrokerEnv, BrokerFactory, BrokerFailure, FailureKind, StoreWrite, build_reference_over,
};
use async_trait::async_trait;
use reference_impl::{CasOutcome, MemoryStore, StoreError, StoredGrant, TokenStore};
use std::sync::{Arc, Mutex};

/// The factory for `mutant:last-write-wins`.
#[derive(Debug, Clone, Copy)]
pub(super) struct LastWriteWinsMutant;

/// The one file every instance of a run writes to.
#[derive(Debug, Default)]
struct SharedFile {
    store: Arc<MemoryStore>,
    writes: Arc<Mutex<Vec<StoreWrite>>>,
}

#[async_trait]
impl BrokerFactory for LastWriteWinsMutant {
    fn name(&self) -> String {
        "mutant:last-write-wins".to_owned()
    }

    async fn build(
        &self,
        env: BrokerEnv,
    ) -> Result<Arc<dyn crate::broker::BrokerInstance>, BrokerFailure> {
        let file = env
            .shared
            .get_or_create("mutant.last-write-wins", SharedFile::default)
            .ok_or_else(|| {
                BrokerFailure::new(FailureKind::Other, "shared file has another type")
            })?;
        let backing: Arc<dyn TokenStore> =
            Arc::new(LastWriteWins(file.store.clone() as Arc<dyn TokenStore>));
        build_reference_over(
            env,
            "token-file".to_owned(),
            Some(file.store.clone()),
            backing,
            file.writes.clone(),
        )
        .await
    }
}

/// Blind writes over any store; no leases (as with a file without `flock`,
/// or a sync script copying files up to a bucket), which the reference
/// broker reads as "refresh on your own".
#[derive(Debug)]
pub(super) struct LastWriteWins(pub(super) Arc<dyn TokenStore>);

#[async_trait]
impl TokenStore for LastWriteWins {
    async fn load(&self, account: &str) -> Result<Option<StoredGrant>, StoreError> {
        self.0.load(account).await
    }

    async fn compare_and_swap(
        &self,
        account: &str,
        _expected_version: Option<u64>,
        new: StoredGrant,
    ) -> Result<CasOutcome, StoreError> {
        // Overwrite: forget what is there, then write as if it were new.
        self.0.delete(account).await?;
        self.0.compare_and_swap(account, None, new).await
    }

    async fn delete(&self, account: &str) -> Result<bool, StoreError> {
        self.0.delete(account).await
    }

    async fn list_accounts(&self) -> Result<Vec<String>, StoreError> {
        self.0.list_accounts().await
    }

    fn server_date(&self) -> Option<std::time::SystemTime> {
        self.0.server_date()
    }
}
