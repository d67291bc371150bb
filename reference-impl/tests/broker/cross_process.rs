//! Two brokers (two "processes") sharing one store with a lease: one refresh per grant.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use reference_impl::{
    CasOutcome, Lease, MemoryStore, StoreError, StoredGrant, TokenBroker, TokenStore,
};

use crate::support::{ScriptedTransport, sim_broker};

/// A [`MemoryStore`] plus a lease table, standing in for a shared database.
#[derive(Debug, Default)]
struct LeasingStore {
    grants: MemoryStore,
    leases: Mutex<BTreeMap<String, String>>,
    fencing: Mutex<u64>,
}

#[async_trait]
impl TokenStore for LeasingStore {
    async fn load(&self, account: &str) -> Result<Option<StoredGrant>, StoreError> {
        self.grants.load(account).await
    }

    async fn compare_and_swap(
        &self,
        account: &str,
        expected_version: Option<u64>,
        new: StoredGrant,
    ) -> Result<CasOutcome, StoreError> {
        self.grants
            .compare_and_swap(account, expected_version, new)
            .await
    }

    async fn try_acquire_lease(
        &self,
        account: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let mut leases = self.leases.lock().unwrap();
        if leases.get(account).is_some_and(|current| current != holder) {
            return Ok(None);
        }
        leases.insert(account.to_owned(), holder.to_owned());
        let mut fencing = self.fencing.lock().unwrap();
        *fencing += 1;
        Ok(Some(Lease {
            account: account.to_owned(),
            holder: holder.to_owned(),
            fencing_token: *fencing,
            expires_at: std::time::SystemTime::UNIX_EPOCH + ttl,
        }))
    }

    async fn release_lease(&self, lease: &Lease) -> Result<bool, StoreError> {
        let mut leases = self.leases.lock().unwrap();
        if leases.get(&lease.account) == Some(&lease.holder) {
            leases.remove(&lease.account);
            return Ok(true);
        }
        Ok(false)
    }
}

async fn two_brokers(
    store: Arc<LeasingStore>,
    transport: Arc<ScriptedTransport>,
) -> (TokenBroker, TokenBroker) {
    let a = sim_broker(transport.clone(), store.clone(), |c| {
        c.with_instance_id("a")
    })
    .await;
    let b = sim_broker(transport, store, |c| c.with_instance_id("b")).await;
    (a, b)
}

#[tokio::test(start_paused = true)]
async fn two_processes_on_an_expired_grant_refresh_it_once_and_share_the_token() {
    let store = Arc::new(LeasingStore::default());
    let transport = ScriptedTransport::google();
    let (a, b) = two_brokers(store.clone(), transport.clone()).await;

    let (from_a, from_b) = tokio::join!(a.access_token("alice"), b.access_token("alice"));
    assert_eq!(
        transport.count(),
        1,
        "the lease let only one process refresh"
    );
    assert_eq!(
        from_a.unwrap().expose_secret(),
        from_b.unwrap().expose_secret()
    );
    assert!(
        store.leases.lock().unwrap().is_empty(),
        "the lease was released"
    );
}

#[tokio::test(start_paused = true)]
async fn a_lease_held_by_a_silent_process_ends_in_a_transient_error_not_a_hang() {
    let store = Arc::new(LeasingStore::default());
    let transport = ScriptedTransport::google();
    let (a, _b) = two_brokers(store.clone(), transport.clone()).await;
    store
        .leases
        .lock()
        .unwrap()
        .insert("alice".into(), "crashed".into());

    let error = a.access_token("alice").await.unwrap_err();
    assert!(
        matches!(error, reference_impl::BrokerError::LeaseBusy { .. }),
        "{error:?}"
    );
    assert_eq!(transport.count(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_short_lived_token_another_process_stored_is_adopted_not_refreshed_again() {
    // A 4-second token: the 5-minute refresh buffer alone would call it due
    // at once; half of what is left is the floor for an adopted token.
    let store = Arc::new(LeasingStore::default());
    let transport = ScriptedTransport::new(Duration::from_millis(50), |_| {
        crate::support::json_response(
            200,
            serde_json::json!({"access_token": "ya29.short-lived", "expires_in": 4, "token_type": "Bearer"}),
        )
    });
    let (a, b) = two_brokers(store, transport.clone()).await;
    a.access_token("alice").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let from_b = b.access_token("alice").await.unwrap();
    assert_eq!(
        transport.count(),
        1,
        "b adopted a's token instead of refreshing"
    );
    assert_eq!(from_b.expose_secret(), "ya29.short-lived");
}

#[tokio::test(start_paused = true)]
async fn a_long_lived_token_near_its_end_another_process_stored_is_refreshed_not_served() {
    // An hour-long token that `a` stored; `b` first asks 50 s before it
    // expires. Half of what is left is no floor for it: `b` refreshes.
    let store = Arc::new(LeasingStore::default());
    let transport = ScriptedTransport::google();
    let (a, b) = two_brokers(store, transport.clone()).await;
    let from_a = a.access_token("alice").await.unwrap();
    tokio::time::sleep(Duration::from_secs(3599 - 50)).await;

    let from_b = b.access_token("alice").await.unwrap();
    assert_eq!(transport.count(), 2, "b refreshed the dying token");
    assert_ne!(from_b.expose_secret(), from_a.expose_secret());
}
