use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use super::io_error::{blocking, read_error, write_error};
use super::lease::LeaseRecord;
use super::{CasOutcome, Lease, StoreError, StoredGrant, TokenStore};
use crate::clock::{Clock, SystemClock};
use crate::crypto::{Keyring, SealedGrant};

/// A [`TokenStore`] keeping one sealed JSON file per account in a directory.
///
/// - Writes go to a temp file that is fsynced, renamed over the record and followed
///   by an fsync of the directory, so a crash leaves the old or the new record, never
///   half of one. Files are created mode 0600, the directory 0700.
/// - Compare-and-swap (and lease changes) hold an exclusive advisory lock on
///   `<dir>/.lock`, so several processes can share the directory; reads take no lock.
/// - A read-only or full filesystem is [`StoreError::ReadOnly`], never a panic.
///
/// ```
/// use reference_impl::{CasOutcome, FileStore, Keyring, RefreshToken, StoredGrant, TokenStore};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let dir = tempfile::tempdir()?;
/// let store = FileStore::open(dir.path(), Keyring::generate("k1"))?;
/// let grant = StoredGrant::new(1, RefreshToken::new("1//secret"));
/// assert!(matches!(store.compare_and_swap("alice", None, grant).await?, CasOutcome::Swapped));
/// assert_eq!(store.load("alice").await?.map(|g| g.version), Some(1));
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct FileStore {
    inner: Arc<FileStoreInner>,
}

#[derive(Debug)]
struct FileStoreInner {
    dir: PathBuf,
    keyring: Keyring,
    clock: Arc<dyn Clock>,
}

/// The on-disk form of one grant.
#[derive(Serialize, Deserialize)]
struct GrantFile {
    version: u64,
    kid: String,
    /// Standard base64.
    nonce: String,
    /// Standard base64.
    ciphertext: String,
}

impl FileStore {
    /// Opens (creating if needed) the store in `dir`; leases expire by the system clock.
    pub fn open(dir: impl AsRef<Path>, keyring: Keyring) -> Result<Self, StoreError> {
        let dir = dir.as_ref().to_owned();
        if !dir.is_dir() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&dir)
                .map_err(write_error)?;
        }
        Ok(Self {
            inner: Arc::new(FileStoreInner {
                dir,
                keyring,
                clock: Arc::new(SystemClock),
            }),
        })
    }

    /// The same store with leases expiring by `clock`.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        let inner = &self.inner;
        Self {
            inner: Arc::new(FileStoreInner {
                dir: inner.dir.clone(),
                keyring: inner.keyring.clone(),
                clock,
            }),
        }
    }

    /// The file holding `account`'s grant (the name encodes the account, so any
    /// account string is a safe file name).
    pub fn grant_path(&self, account: &str) -> PathBuf {
        self.inner.dir.join(grant_file_name(account))
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&FileStoreInner) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = Arc::clone(&self.inner);
        blocking(move || work(&inner)).await
    }
}

fn grant_file_name(account: &str) -> String {
    format!("grant-{}.json", URL_SAFE_NO_PAD.encode(account))
}

fn lease_file_name(account: &str) -> String {
    format!("lease-{}.json", URL_SAFE_NO_PAD.encode(account))
}

fn account_of(file_name: &str) -> Option<String> {
    let encoded = file_name.strip_prefix("grant-")?.strip_suffix(".json")?;
    String::from_utf8(URL_SAFE_NO_PAD.decode(encoded).ok()?).ok()
}

impl FileStoreInner {
    /// Holds the directory's exclusive advisory lock while `work` runs.
    fn locked<T>(&self, work: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(self.dir.join(".lock"))
            .map_err(write_error)?;
        let mut lock = fd_lock::RwLock::new(file);
        let _guard = lock.write().map_err(read_error)?;
        work()
    }

    fn read_raw(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match fs::read(self.dir.join(name)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(read_error(error)),
        }
    }

    fn read_grant(&self, account: &str) -> Result<Option<(u64, SealedGrant)>, StoreError> {
        let Some(bytes) = self.read_raw(&grant_file_name(account))? else {
            return Ok(None);
        };
        let corrupt = || StoreError::Corrupt {
            account: account.to_owned(),
        };
        let file: GrantFile = serde_json::from_slice(&bytes).map_err(|_| corrupt())?;
        let sealed = SealedGrant {
            kid: file.kid,
            nonce: STANDARD.decode(file.nonce).map_err(|_| corrupt())?,
            ciphertext: STANDARD.decode(file.ciphertext).map_err(|_| corrupt())?,
        };
        Ok(Some((file.version, sealed)))
    }

    fn load(&self, account: &str) -> Result<Option<StoredGrant>, StoreError> {
        self.read_grant(account)?
            .map(|(version, sealed)| self.keyring.open(account, version, &sealed))
            .transpose()
    }

    fn write_grant(
        &self,
        account: &str,
        version: u64,
        sealed: &SealedGrant,
    ) -> Result<(), StoreError> {
        let file = GrantFile {
            version,
            kid: sealed.kid.clone(),
            nonce: STANDARD.encode(&sealed.nonce),
            ciphertext: STANDARD.encode(&sealed.ciphertext),
        };
        let bytes = serde_json::to_vec(&file).map_err(StoreError::unavailable)?;
        write_atomically(&self.dir, &grant_file_name(account), &bytes).map_err(write_error)
    }

    fn read_lease(&self, account: &str) -> Result<Option<LeaseRecord>, StoreError> {
        let Some(bytes) = self.read_raw(&lease_file_name(account))? else {
            return Ok(None);
        };
        // A torn lease cannot exist (atomic writes); an unreadable one is treated as
        // absent so a bad file cannot block refreshes forever.
        Ok(serde_json::from_slice(&bytes).ok())
    }

    fn write_lease(&self, account: &str, record: &LeaseRecord) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(record).map_err(StoreError::unavailable)?;
        write_atomically(&self.dir, &lease_file_name(account), &bytes).map_err(write_error)
    }
}

/// Temp file, fsync, rename over the target, fsync the directory.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    // Only called under the store lock, so one fixed temp name per target is safe.
    let temp = dir.join(format!(".tmp-{name}"));
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, dir.join(name))?;
        File::open(dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

#[async_trait]
impl TokenStore for FileStore {
    async fn load(&self, account: &str) -> Result<Option<StoredGrant>, StoreError> {
        let account = account.to_owned();
        self.run(move |inner| inner.load(&account)).await
    }

    async fn compare_and_swap(
        &self,
        account: &str,
        expected_version: Option<u64>,
        new: StoredGrant,
    ) -> Result<CasOutcome, StoreError> {
        let sealed = self.inner.keyring.seal(account, &new);
        let account = account.to_owned();
        self.run(move |inner| {
            inner.locked(|| {
                let current = inner.read_grant(&account)?;
                if let Some(conflict) = super::cas::decide_sealed(
                    &account,
                    expected_version,
                    current,
                    new.version,
                    &inner.keyring,
                )? {
                    return Ok(conflict);
                }
                inner.write_grant(&account, new.version, &sealed)?;
                Ok(CasOutcome::Swapped)
            })
        })
        .await
    }

    async fn delete(&self, account: &str) -> Result<bool, StoreError> {
        let account = account.to_owned();
        self.run(move |inner| {
            inner.locked(
                || match fs::remove_file(inner.dir.join(grant_file_name(&account))) {
                    Ok(()) => {
                        File::open(&inner.dir)
                            .and_then(|dir| dir.sync_all())
                            .map_err(write_error)?;
                        Ok(true)
                    }
                    Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
                    Err(error) => Err(write_error(error)),
                },
            )
        })
        .await
    }

    async fn list_accounts(&self) -> Result<Vec<String>, StoreError> {
        self.run(|inner| {
            let mut accounts = Vec::new();
            for entry in fs::read_dir(&inner.dir).map_err(read_error)? {
                let name = entry.map_err(read_error)?.file_name();
                if let Some(account) = name.to_str().and_then(account_of) {
                    accounts.push(account);
                }
            }
            accounts.sort();
            Ok(accounts)
        })
        .await
    }

    async fn try_acquire_lease(
        &self,
        account: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let (account, holder) = (account.to_owned(), holder.to_owned());
        self.run(move |inner| {
            inner.locked(|| {
                let current = inner.read_lease(&account)?;
                let now = inner.clock.now();
                let Some(next) = LeaseRecord::acquire(current.as_ref(), &holder, ttl, now) else {
                    return Ok(None);
                };
                inner.write_lease(&account, &next)?;
                Ok(Some(next.to_lease(&account)))
            })
        })
        .await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<bool, StoreError> {
        let lease = lease.clone();
        self.run(move |inner| {
            inner.locked(|| {
                let current = inner.read_lease(&lease.account)?;
                let Some(released) = LeaseRecord::release(current.as_ref(), &lease) else {
                    return Ok(false);
                };
                inner.write_lease(&lease.account, &released)?;
                Ok(true)
            })
        })
        .await
    }

    async fn reseal(&self, account: &str) -> Result<bool, StoreError> {
        let account = account.to_owned();
        self.run(move |inner| {
            inner.locked(|| {
                let Some((version, sealed)) = inner.read_grant(&account)? else {
                    return Ok(false);
                };
                if sealed.kid == inner.keyring.primary_kid() {
                    return Ok(false);
                }
                let grant = inner.keyring.open(&account, version, &sealed)?;
                inner.write_grant(&account, version, &inner.keyring.seal(&account, &grant))?;
                Ok(true)
            })
        })
        .await
    }
}
