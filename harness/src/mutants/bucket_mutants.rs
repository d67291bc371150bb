//! Mutants of the bucket-synced reference broker (`store = "bucket"`):
//!
//! - `mutant:never-alerts`: the reference, but its `status()` never raises
//!   `expiring_with_failures` (an ops dashboard with the alert left out);
//! - `mutant:bucket-last-write-wins`: the reference over the run's bucket,
//!   but its sync writes blind: it replaces whatever the bucket holds,
//!   with no version check, so a component that refreshed from an older
//!   copy writes over a newer grant.

use crate::broker::{
    AccountReport, BrokerEnv, BrokerFactory, BrokerFailure, BrokerUnderTest, Capabilities,
    FailureKind, StoreFault, StoreWrite, build_reference, build_reference_over,
};
use async_trait::async_trait;
use reference_impl::{CasOutcome, StoreError, StoredGrant, TokenStore};
use secrecy::SecretString;
use std::sync::{Arc, Mutex};

/// The factory for a bucket mutant, if `name` is one.
pub(super) fn bucket_mutant(name: &str) -> Option<Arc<dyn BrokerFactory>> {
    match name {
        "never-alerts" => Some(Arc::new(NeverAlertsMutant)),
        "bucket-last-write-wins" => Some(Arc::new(BucketLastWriteWinsMutant)),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy)]
struct NeverAlertsMutant;

#[async_trait]
impl BrokerFactory for NeverAlertsMutant {
    fn name(&self) -> String {
        "mutant:never-alerts".to_owned()
    }

    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerUnderTest>, BrokerFailure> {
        Ok(Arc::new(NeverAlerts(build_reference(env).await?)))
    }
}

/// The reference with the alert dropped from every status report.
#[derive(Debug)]
struct NeverAlerts(Arc<dyn BrokerUnderTest>);

#[async_trait]
impl BrokerUnderTest for NeverAlerts {
    fn capabilities(&self) -> Capabilities {
        self.0.capabilities()
    }

    async fn access_token(&self, account: &str) -> Result<SecretString, BrokerFailure> {
        self.0.access_token(account).await
    }

    async fn status(&self) -> Result<Vec<AccountReport>, BrokerFailure> {
        let mut reports = self.0.status().await?;
        for report in &mut reports {
            report.alert = None;
        }
        Ok(reports)
    }

    async fn restart(&self) -> Result<(), BrokerFailure> {
        self.0.restart().await
    }

    async fn access_token_after_401(
        &self,
        account: &str,
        rejected: &SecretString,
    ) -> Result<SecretString, BrokerFailure> {
        self.0.access_token_after_401(account, rejected).await
    }

    async fn store_fault(&self, fault: StoreFault) -> Result<(), BrokerFailure> {
        self.0.store_fault(fault).await
    }

    fn store_writes(&self) -> Vec<StoreWrite> {
        self.0.store_writes()
    }
}

#[derive(Debug, Clone, Copy)]
struct BucketLastWriteWinsMutant;

#[async_trait]
impl BrokerFactory for BucketLastWriteWinsMutant {
    fn name(&self) -> String {
        "mutant:bucket-last-write-wins".to_owned()
    }

    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerUnderTest>, BrokerFailure> {
        let bucket = match env.store.as_str() {
            "bucket" => crate::broker::open_sim_bucket(&env)?,
            spec if spec.starts_with("bucket:") => crate::broker::open_durable(&env, spec).await?,
            other => {
                return Err(BrokerFailure::new(
                    FailureKind::Unsupported,
                    format!(
                        "`mutant:bucket-last-write-wins` syncs through a bucket, not `{other}`"
                    ),
                ));
            }
        };
        let writes = env
            .shared
            .get_or_create(
                "reference.durable-writes",
                Mutex::<Vec<StoreWrite>>::default,
            )
            .ok_or_else(|| {
                BrokerFailure::new(FailureKind::Other, "shared writes have another type")
            })?;
        let backing: Arc<dyn TokenStore> = Arc::new(BlindSync(bucket));
        build_reference_over(env, "shared".to_owned(), None, backing, writes).await
    }
}

/// Blind writes to the bucket: whatever is there is replaced. No leases
/// (as a sync script copying files up would have), so each component
/// refreshes on its own.
#[derive(Debug)]
struct BlindSync(Arc<dyn TokenStore>);

#[async_trait]
impl TokenStore for BlindSync {
    async fn load(&self, account: &str) -> Result<Option<StoredGrant>, StoreError> {
        self.0.load(account).await
    }

    async fn compare_and_swap(
        &self,
        account: &str,
        _expected_version: Option<u64>,
        new: StoredGrant,
    ) -> Result<CasOutcome, StoreError> {
        // The flaw: upload over what is there, whatever its version.
        self.0.delete(account).await?;
        self.0.compare_and_swap(account, None, new).await
    }

    async fn delete(&self, account: &str) -> Result<bool, StoreError> {
        self.0.delete(account).await
    }

    async fn list_accounts(&self) -> Result<Vec<String>, StoreError> {
        self.0.list_accounts().await
    }
}
