//! The store contract, written once and run against every store (see `main.rs`).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::future::join_all;
use reference_impl::{AccessToken, CasOutcome, RefreshToken, StoreError, StoredGrant, TokenStore};

use crate::fixtures::Fixture;

const WRITERS: usize = 16;

pub fn grant(version: u64) -> StoredGrant {
    StoredGrant::new(version, RefreshToken::new(format!("1//refresh-v{version}")))
}

async fn swap(
    store: &dyn TokenStore,
    account: &str,
    expected: Option<u64>,
    new: StoredGrant,
) -> CasOutcome {
    store
        .compare_and_swap(account, expected, new)
        .await
        .expect("store call")
}

pub async fn load_of_an_unknown_account_is_empty(fixture: &impl Fixture) {
    let store = fixture.open().await;
    assert!(store.load("nobody").await.expect("load").is_none());
}

pub async fn a_first_write_stores_every_field(fixture: &impl Fixture) {
    let store = fixture.open().await;
    let expires_at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_800_000_000_123);
    let written = StoredGrant {
        access_token: Some(AccessToken::new("ya29.access")),
        expires_at: Some(expires_at),
        scopes: vec!["openid".to_owned(), "https://mail.google.com/".to_owned()],
        ..grant(1)
    };
    assert!(matches!(
        swap(&*store, "alice", None, written).await,
        CasOutcome::Swapped
    ));

    let loaded = store.load("alice").await.expect("load").expect("stored");
    assert_eq!(loaded.version, 1);
    assert_eq!(loaded.refresh_token.expose_secret(), "1//refresh-v1");
    assert_eq!(
        loaded.access_token.expect("access token").expose_secret(),
        "ya29.access"
    );
    assert_eq!(loaded.expires_at, Some(expires_at));
    assert_eq!(loaded.scopes, ["openid", "https://mail.google.com/"]);
}

pub async fn a_write_expecting_the_stored_version_replaces_it(fixture: &impl Fixture) {
    let store = fixture.open().await;
    let _ = swap(&*store, "alice", None, grant(1)).await;
    assert!(matches!(
        swap(&*store, "alice", Some(1), grant(2)).await,
        CasOutcome::Swapped
    ));
    let loaded = store.load("alice").await.expect("load").expect("stored");
    assert_eq!(loaded.refresh_token.expose_secret(), "1//refresh-v2");
}

pub async fn a_stale_expected_version_conflicts_and_returns_the_current_grant(
    fixture: &impl Fixture,
) {
    let store = fixture.open().await;
    let _ = swap(&*store, "alice", None, grant(1)).await;
    let _ = swap(&*store, "alice", Some(1), grant(2)).await;

    let CasOutcome::Conflict {
        current: Some(current),
    } = swap(&*store, "alice", Some(1), grant(3)).await
    else {
        panic!("a stale write must conflict and show the stored grant");
    };
    assert_eq!(current.version, 2);
    assert_eq!(current.refresh_token.expose_secret(), "1//refresh-v2");
    let CasOutcome::Conflict { current: Some(_) } = swap(&*store, "alice", None, grant(9)).await
    else {
        panic!("a first write over an existing grant must conflict");
    };
}

pub async fn a_write_that_does_not_increase_the_version_is_refused(fixture: &impl Fixture) {
    let store = fixture.open().await;
    let _ = swap(&*store, "alice", None, grant(5)).await;
    for proposed in [4, 5] {
        let error = store
            .compare_and_swap("alice", Some(5), grant(proposed))
            .await
            .expect_err("an older or equal version must be refused");
        assert!(
            matches!(error, StoreError::VersionNotIncreasing { current: 5, proposed: p, .. } if p == proposed),
            "{error:?}"
        );
    }
    assert_eq!(
        store
            .load("alice")
            .await
            .expect("load")
            .expect("stored")
            .version,
        5
    );
}

pub async fn concurrent_writers_of_one_version_have_exactly_one_winner(fixture: &impl Fixture) {
    // Each writer has its own handle (its own connection or file descriptors), as
    // separate broker processes would.
    let stores: Vec<Arc<dyn TokenStore>> = join_all((0..WRITERS).map(|_| fixture.open())).await;
    let _ = swap(&*stores[0], "alice", None, grant(1)).await;
    for round in 1..=3_u64 {
        let outcomes = join_all(stores.iter().enumerate().map(|(writer, store)| {
            let store = Arc::clone(store);
            tokio::spawn(async move {
                let new =
                    StoredGrant::new(round + 1, RefreshToken::new(format!("1//writer-{writer}")));
                store.compare_and_swap("alice", Some(round), new).await
            })
        }))
        .await;
        let winners = outcomes
            .into_iter()
            .map(|joined| joined.expect("task").expect("store call"))
            .filter(|outcome| matches!(outcome, CasOutcome::Swapped))
            .count();
        assert_eq!(winners, 1, "round {round}: exactly one writer may win");
        assert_eq!(
            stores[0]
                .load("alice")
                .await
                .expect("load")
                .expect("stored")
                .version,
            round + 1
        );
    }
}

pub async fn a_lease_excludes_other_holders_until_released(fixture: &impl Fixture) {
    let store = fixture.open().await;
    let ttl = Duration::from_secs(60);
    let lease = store
        .try_acquire_lease("alice", "one", ttl)
        .await
        .expect("lease")
        .expect("free");
    assert!(
        store
            .try_acquire_lease("alice", "two", ttl)
            .await
            .expect("lease")
            .is_none()
    );
    // Leases are per account.
    assert!(
        store
            .try_acquire_lease("bob", "two", ttl)
            .await
            .expect("lease")
            .is_some()
    );

    assert!(store.release_lease(&lease).await.expect("release"));
    let next = store
        .try_acquire_lease("alice", "two", ttl)
        .await
        .expect("lease")
        .expect("released");
    assert!(next.fencing_token > lease.fencing_token);
    // The old holder's late release must not free the new holder's lease.
    assert!(!store.release_lease(&lease).await.expect("release"));
    assert!(
        store
            .try_acquire_lease("alice", "three", ttl)
            .await
            .expect("lease")
            .is_none()
    );
}

pub async fn an_expired_lease_can_be_taken_over_with_a_larger_fencing_token(
    fixture: &impl Fixture,
) {
    let store = fixture.open().await;
    let ttl = Duration::from_millis(200);
    let first = store
        .try_acquire_lease("alice", "one", ttl)
        .await
        .expect("lease")
        .expect("free");
    // Only the direction matters: well past the ttl the lease must be free.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let second = store
        .try_acquire_lease("alice", "two", ttl)
        .await
        .expect("lease")
        .expect("expired");
    assert!(second.fencing_token > first.fencing_token);
    assert_eq!(second.holder, "two");
}

pub async fn concurrent_lease_requests_have_exactly_one_winner(fixture: &impl Fixture) {
    let stores: Vec<Arc<dyn TokenStore>> = join_all((0..WRITERS).map(|_| fixture.open())).await;
    let leases = join_all(stores.iter().enumerate().map(|(process, store)| {
        let store = Arc::clone(store);
        tokio::spawn(async move {
            store
                .try_acquire_lease(
                    "alice",
                    &format!("broker-{process}"),
                    Duration::from_secs(60),
                )
                .await
        })
    }))
    .await;
    let winners = leases
        .into_iter()
        .filter_map(|joined| joined.expect("task").expect("store call"))
        .count();
    assert_eq!(winners, 1);
}

pub async fn deleted_grants_are_gone_and_unlisted(fixture: &impl Fixture) {
    let store = fixture.open().await;
    for account in ["carol", "alice", "bob"] {
        let _ = swap(&*store, account, None, grant(1)).await;
    }
    assert_eq!(
        store.list_accounts().await.expect("list"),
        ["alice", "bob", "carol"]
    );
    assert!(store.delete("bob").await.expect("delete"));
    assert!(!store.delete("bob").await.expect("delete"));
    assert!(store.load("bob").await.expect("load").is_none());
    assert_eq!(
        store.list_accounts().await.expect("list"),
        ["alice", "carol"]
    );
}

pub async fn account_names_with_odd_characters_are_kept_apart(fixture: &impl Fixture) {
    let store = fixture.open().await;
    let accounts = [
        "a/../b",
        "a",
        "A",
        "ünïcode@example.com",
        "with space",
        "semi;colon'",
    ];
    for (index, account) in accounts.iter().enumerate() {
        let _ = swap(&*store, account, None, grant(index as u64 + 1)).await;
    }
    for (index, account) in accounts.iter().enumerate() {
        let loaded = store.load(account).await.expect("load").expect("stored");
        assert_eq!(loaded.version, index as u64 + 1, "{account}");
    }
    let mut expected: Vec<String> = accounts.iter().map(|a| (*a).to_owned()).collect();
    expected.sort();
    assert_eq!(store.list_accounts().await.expect("list"), expected);
}

pub async fn a_holder_whose_lease_lapsed_cannot_overwrite_the_next_holders_grant(
    fixture: &impl Fixture,
) {
    let (slow, fast) = (fixture.open().await, fixture.open().await);
    let _ = swap(&*slow, "alice", None, grant(1)).await;
    let ttl = Duration::from_millis(200);

    // The slow broker takes the lease and reads version 1, then stalls past its ttl.
    let _stale = slow
        .try_acquire_lease("alice", "slow", ttl)
        .await
        .expect("lease")
        .expect("free");
    let seen = slow
        .load("alice")
        .await
        .expect("load")
        .expect("stored")
        .version;
    tokio::time::sleep(Duration::from_millis(600)).await;

    // The fast broker takes over and refreshes.
    let _lease = fast
        .try_acquire_lease("alice", "fast", ttl)
        .await
        .expect("lease")
        .expect("lapsed");
    assert!(matches!(
        swap(&*fast, "alice", Some(seen), grant(seen + 1)).await,
        CasOutcome::Swapped
    ));

    // The version fences the slow broker's late write.
    let late = StoredGrant::new(seen + 1, RefreshToken::new("1//stale-rotation"));
    let CasOutcome::Conflict {
        current: Some(current),
    } = swap(&*slow, "alice", Some(seen), late).await
    else {
        panic!("a write based on a version read under a lapsed lease must conflict");
    };
    assert_eq!(current.refresh_token.expose_secret(), "1//refresh-v2");
}
