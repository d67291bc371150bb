//! Mutants of the bucket-synced reference broker (`store = "bucket"`):
//!
//! - `mutant:never-alerts`: the reference, but its `status()` never raises
//!   `expiring_with_failures` (an ops dashboard with the alert left out);
//! - `mutant:bucket-last-write-wins`: the reference over the run's bucket,
//!   but its sync writes blind: it replaces whatever the bucket holds,
//!   with no version check, so a component that refreshed from an older
//!   copy writes over a newer grant.

use super::last_write_wins::LastWriteWins;
use crate::broker::{
    AccountReport, AuthorizationFacet, BrokerEnv, BrokerFactory, BrokerFailure, BrokerInstance,
    BrokerUnderTest, FailureKind, MailFacet, StatusFacet, StoreWrite, build_reference,
    build_reference_over, forward_host, unsupported,
};
use async_trait::async_trait;
use reference_impl::TokenStore;
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

    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerInstance>, BrokerFailure> {
        Ok(Arc::new(NeverAlerts(build_reference(env).await?)))
    }
}

/// The reference with the alert dropped from every status report.
#[derive(Debug)]
struct NeverAlerts(Arc<dyn BrokerInstance>);

// The reference in everything but the alert: each other facet and the
// whole host are the reference's, forwarded in one line each.
#[async_trait]
impl BrokerUnderTest for NeverAlerts {
    async fn access_token(
        &self,
        account: &str,
        rejected: Option<&SecretString>,
    ) -> Result<SecretString, BrokerFailure> {
        self.0.access_token(account, rejected).await
    }

    fn status(&self) -> Option<&dyn StatusFacet> {
        self.0.status().map(|_| self as &dyn StatusFacet)
    }

    fn authorization(&self) -> Option<&dyn AuthorizationFacet> {
        self.0.authorization()
    }

    fn mail(&self) -> Option<&dyn MailFacet> {
        self.0.mail()
    }
}

#[async_trait]
impl StatusFacet for NeverAlerts {
    async fn status(&self) -> Result<Vec<AccountReport>, BrokerFailure> {
        let inner = self.0.status().ok_or_else(|| unsupported("status"))?;
        let mut reports = inner.status().await?;
        for report in &mut reports {
            report.alert = None;
        }
        Ok(reports)
    }
}

forward_host!(NeverAlerts, 0);

#[derive(Debug, Clone, Copy)]
struct BucketLastWriteWinsMutant;

#[async_trait]
impl BrokerFactory for BucketLastWriteWinsMutant {
    fn name(&self) -> String {
        "mutant:bucket-last-write-wins".to_owned()
    }

    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerInstance>, BrokerFailure> {
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
        let backing: Arc<dyn TokenStore> = Arc::new(LastWriteWins(bucket));
        build_reference_over(env, "shared".to_owned(), None, backing, writes).await
    }
}
