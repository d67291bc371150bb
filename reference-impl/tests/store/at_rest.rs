//! The part of the contract only stores with bytes at rest keep: durability across
//! re-opening, sealing, and typed errors for damaged records.

use reference_impl::{
    AccessToken, CasOutcome, Keyring, RefreshToken, StoreError, StoredGrant, rotate_keys,
};

use crate::conformance::grant;
use crate::fixtures::AtRestFixture;

pub async fn grants_survive_reopening_the_store(fixture: &impl AtRestFixture) {
    let store = fixture.open().await;
    let _ = store
        .compare_and_swap("alice", None, grant(1))
        .await
        .expect("write");
    let _ = store
        .compare_and_swap("alice", Some(1), grant(2))
        .await
        .expect("write");
    drop(store);

    let reopened = fixture.open().await;
    let loaded = reopened.load("alice").await.expect("load").expect("stored");
    assert_eq!(loaded.version, 2);
    assert_eq!(loaded.refresh_token.expose_secret(), "1//refresh-v2");
}

pub async fn no_token_appears_in_the_raw_bytes(fixture: &impl AtRestFixture) {
    let refresh = "1//0refresh-SECRET-never-at-rest";
    let access = "ya29.access-SECRET-never-at-rest";
    let store = fixture.open().await;
    let sealed = StoredGrant {
        access_token: Some(AccessToken::new(access)),
        ..StoredGrant::new(1, RefreshToken::new(refresh))
    };
    let _ = store
        .compare_and_swap("alice", None, sealed)
        .await
        .expect("write");
    let lease = store
        .try_acquire_lease("alice", "broker-1", std::time::Duration::from_secs(5))
        .await;
    drop((store, lease));

    let raw = fixture.raw_bytes().await;
    let kid = fixture.keyring().primary_kid().to_owned();
    // The scan reads the real storage: the record's key id is there in clear.
    assert!(
        contains(&raw, kid.as_bytes()),
        "raw bytes do not hold the record"
    );
    for secret in [refresh, access, "SECRET"] {
        assert!(
            !contains(&raw, secret.as_bytes()),
            "`{secret}` found at rest"
        );
    }
}

pub async fn a_corrupt_record_is_a_typed_error_naming_the_account(fixture: &impl AtRestFixture) {
    let store = fixture.open().await;
    let _ = store
        .compare_and_swap("alice", None, grant(1))
        .await
        .expect("write");
    fixture.corrupt("alice").await;

    let error = store
        .load("alice")
        .await
        .expect_err("a damaged record must not load");
    assert!(
        matches!(&error, StoreError::Corrupt { account } if account == "alice"),
        "{error:?}"
    );
    assert!(error.to_string().contains("`alice`"));
    // A writer that hits the damaged record while resolving a conflict gets it too.
    let error = store
        .compare_and_swap("alice", None, grant(2))
        .await
        .expect_err("corrupt");
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
}

pub async fn a_record_copied_to_another_account_does_not_open(fixture: &impl AtRestFixture) {
    let store = fixture.open().await;
    let _ = store
        .compare_and_swap("alice", None, grant(1))
        .await
        .expect("write");
    let _ = store
        .compare_and_swap("mallory", None, grant(1))
        .await
        .expect("write");
    fixture.copy_record("alice", "mallory").await;

    let error = store
        .load("mallory")
        .await
        .expect_err("alice's token must not open as mallory's");
    assert!(
        matches!(&error, StoreError::Corrupt { account } if account == "mallory"),
        "{error:?}"
    );
    assert!(store.load("alice").await.expect("load").is_some());
}

pub async fn a_record_sealed_with_an_unknown_key_is_a_typed_error(fixture: &impl AtRestFixture) {
    let store = fixture.open().await;
    let _ = store
        .compare_and_swap("alice", None, grant(1))
        .await
        .expect("write");

    let stranger = fixture.open_with(Keyring::generate("other")).await;
    let error = stranger.load("alice").await.expect_err("no key to open it");
    let kid = fixture.keyring().primary_kid().to_owned();
    assert!(
        matches!(&error, StoreError::UnknownKey { account, kid: named } if account == "alice" && *named == kid),
        "{error:?}"
    );
    assert!(!error.to_string().contains("1//"));
}

pub async fn rotation_reseals_every_record_under_the_primary_key(fixture: &impl AtRestFixture) {
    let old = fixture.keyring();
    let store = fixture.open().await;
    for account in ["alice", "bob", "carol"] {
        let _ = store
            .compare_and_swap(account, None, grant(3))
            .await
            .expect("write");
    }

    let new = Keyring::generate("rotated");
    let both = fixture.open_with(new.clone().with_fallback(&old)).await;
    // Before rotation, records sealed with the old key still open.
    assert_eq!(
        both.load("bob")
            .await
            .expect("load")
            .expect("stored")
            .version,
        3
    );
    // A write through the new ring seals with the new primary.
    assert!(matches!(
        both.compare_and_swap("dave", None, grant(1))
            .await
            .expect("write"),
        CasOutcome::Swapped
    ));

    let report = rotate_keys(&*both).await.expect("rotate");
    assert_eq!(report.resealed, ["alice", "bob", "carol"]);
    assert_eq!(report.unchanged, ["dave"]);
    let again = rotate_keys(&*both).await.expect("rotate again");
    assert!(again.resealed.is_empty());

    let new_only = fixture.open_with(new).await;
    for account in ["alice", "bob", "carol"] {
        let loaded = new_only
            .load(account)
            .await
            .expect("opens without the old key")
            .expect("stored");
        assert_eq!(loaded.version, 3, "rotation keeps versions");
        assert_eq!(loaded.refresh_token.expose_secret(), "1//refresh-v3");
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}
