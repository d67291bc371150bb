use super::{StoreError, TokenStore};

/// What [`rotate_keys`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RotationReport {
    /// Accounts whose record was re-sealed under the primary key.
    pub resealed: Vec<String>,
    /// Accounts already sealed with the primary key (or deleted meanwhile).
    pub unchanged: Vec<String>,
}

/// Re-seals every stored grant under the keyring's primary key, keeping versions.
///
/// Run it after putting a new key first in the keyring (old keys still listed); when
/// it returns, the old keys can be dropped. Records are re-sealed one at a time under
/// the store's own locking, so brokers may keep running. It stops at the first record
/// that fails (for example [`StoreError::UnknownKey`]); running it again resumes.
///
/// ```
/// use reference_impl::{CasOutcome, Keyring, RefreshToken, SqliteStore, StoredGrant, TokenStore, rotate_keys};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("tokens.db");
/// let old = Keyring::generate("old");
/// let store = SqliteStore::open(&path, old.clone()).await?;
/// let _ = store.compare_and_swap("alice", None, StoredGrant::new(1, RefreshToken::new("1//a"))).await?;
///
/// let rotated = Keyring::generate("new").with_fallback(&old);
/// let report = rotate_keys(&SqliteStore::open(&path, rotated).await?).await?;
/// assert_eq!(report.resealed, ["alice"]);
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub async fn rotate_keys(store: &dyn TokenStore) -> Result<RotationReport, StoreError> {
    let mut report = RotationReport::default();
    for account in store.list_accounts().await? {
        if store.reseal(&account).await? {
            report.resealed.push(account);
        } else {
            report.unchanged.push(account);
        }
    }
    Ok(report)
}
