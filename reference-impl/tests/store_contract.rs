use reference_impl::{CasOutcome, MemoryStore, RefreshToken, StoreError, StoredGrant, TokenStore};

fn grant(version: u64) -> StoredGrant {
    StoredGrant::new(version, RefreshToken::new(format!("1//v{version}")))
}

#[tokio::test]
async fn compare_and_swap_rejects_a_stale_expected_version() {
    let store = MemoryStore::new();
    assert!(matches!(
        store.compare_and_swap("a", None, grant(1)).await.unwrap(),
        CasOutcome::Swapped
    ));
    assert!(matches!(
        store
            .compare_and_swap("a", Some(1), grant(2))
            .await
            .unwrap(),
        CasOutcome::Swapped
    ));

    let outcome = store
        .compare_and_swap("a", Some(1), grant(3))
        .await
        .unwrap();
    let CasOutcome::Conflict {
        current: Some(current),
    } = outcome
    else {
        panic!("stale write must conflict, got {outcome:?}");
    };
    assert_eq!(current.version, 2);
    assert_eq!(
        store.get("a").unwrap().refresh_token.expose_secret(),
        "1//v2"
    );
}

#[tokio::test]
async fn compare_and_swap_never_overwrites_newer_with_older() {
    let store = MemoryStore::new();
    let _ = store.compare_and_swap("a", None, grant(5)).await.unwrap();

    let error = store
        .compare_and_swap("a", Some(5), grant(4))
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        StoreError::VersionNotIncreasing {
            current: 5,
            proposed: 4,
            ..
        }
    ));
    assert_eq!(store.get("a").unwrap().version, 5);
}

#[tokio::test]
async fn an_unavailable_store_fails_reads_and_writes() {
    let store = MemoryStore::new();
    store.set_unavailable(true);
    assert!(matches!(
        store.load("a").await,
        Err(StoreError::Unavailable { .. })
    ));
    assert!(store.compare_and_swap("a", None, grant(1)).await.is_err());
}
