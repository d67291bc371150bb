use super::token_broker::Inner;
use crate::store::{CasOutcome, StoreError, StoredGrant};

/// How many times a write re-reads the stored version after losing a race.
const MAX_CAS_ATTEMPTS: usize = 3;

/// What to do when the store holds a version we did not expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ConflictPolicy {
    /// After a refresh: if the stored grant's token lives at least as long as ours,
    /// another writer refreshed too and theirs stays; we keep using ours from memory.
    KeepNewerStored,
    /// After fresh consent: the new grant wins.
    Overwrite,
}

impl Inner {
    /// Writes `grant` with compare-and-swap, always with a version above the stored one.
    ///
    /// Returns the grant to keep as current (ours, or the stored one if it won) and the
    /// version the store now holds, or the store error.
    pub async fn persist(
        &self,
        account: &str,
        mut expected: Option<u64>,
        mut grant: StoredGrant,
        policy: ConflictPolicy,
    ) -> (StoredGrant, Result<u64, StoreError>) {
        for _ in 0..MAX_CAS_ATTEMPTS {
            match self
                .store
                .compare_and_swap(account, expected, grant.clone())
                .await
            {
                Ok(CasOutcome::Swapped) => {
                    let version = grant.version;
                    return (grant, Ok(version));
                }
                Ok(CasOutcome::Conflict {
                    current: Some(stored),
                }) if policy == ConflictPolicy::KeepNewerStored
                    && stored.expires_at >= grant.expires_at =>
                {
                    tracing::debug!(
                        account,
                        version = stored.version,
                        "store already holds a newer grant"
                    );
                    let version = stored.version;
                    return (stored, Ok(version));
                }
                Ok(CasOutcome::Conflict { current }) => {
                    expected = current.map(|stored| stored.version);
                    grant.version = expected.unwrap_or(0) + 1;
                }
                Err(error) => {
                    tracing::warn!(account, %error, "could not persist the grant; serving from memory");
                    return (grant, Err(error));
                }
            }
        }
        tracing::warn!(
            account,
            "gave up persisting the grant after repeated write conflicts"
        );
        (grant, Err(StoreError::Unavailable { source: None }))
    }
}
