//! One fixture per store: opens (and re-opens) the store over the same storage, and
//! reaches under it to read or damage the raw bytes.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use reference_impl::{FileStore, Keyring, MemoryStore, PostgresStore, SqliteStore, TokenStore};
use tempfile::TempDir;

use throwaway_postgres::shared_url_for_tests as database_url;

#[async_trait]
pub trait Fixture: Send + Sync {
    /// The keyring records are sealed with by [`open`](Self::open).
    fn keyring(&self) -> Keyring;

    /// A new handle on the same storage (a restart, or another process).
    async fn open_with(&self, keyring: Keyring) -> Arc<dyn TokenStore>;

    async fn open(&self) -> Arc<dyn TokenStore> {
        self.open_with(self.keyring()).await
    }
}

/// A store that keeps bytes at rest.
#[async_trait]
pub trait AtRestFixture: Fixture {
    /// Everything the store keeps at rest, concatenated.
    async fn raw_bytes(&self) -> Vec<u8>;

    /// Damages the stored record of `account` so it no longer authenticates.
    async fn corrupt(&self, account: &str);

    /// Copies the stored record of `from` over `to`, byte for byte.
    async fn copy_record(&self, from: &str, to: &str);
}

#[derive(Debug)]
pub struct MemoryFixture(Arc<MemoryStore>);

impl MemoryFixture {
    pub async fn new() -> Option<Self> {
        Some(Self(Arc::new(MemoryStore::new())))
    }
}

#[async_trait]
impl Fixture for MemoryFixture {
    fn keyring(&self) -> Keyring {
        Keyring::generate("unused")
    }

    async fn open_with(&self, _: Keyring) -> Arc<dyn TokenStore> {
        self.0.clone()
    }
}

#[derive(Debug)]
pub struct FileFixture {
    dir: TempDir,
    keyring: Keyring,
}

impl FileFixture {
    pub async fn new() -> Option<Self> {
        Some(Self {
            dir: tempfile::tempdir().expect("temp dir"),
            keyring: Keyring::generate("file-k1"),
        })
    }

    fn grant_path(&self, account: &str) -> PathBuf {
        FileStore::open(self.dir.path(), self.keyring.clone())
            .expect("open file store")
            .grant_path(account)
    }
}

#[async_trait]
impl Fixture for FileFixture {
    fn keyring(&self) -> Keyring {
        self.keyring.clone()
    }

    async fn open_with(&self, keyring: Keyring) -> Arc<dyn TokenStore> {
        Arc::new(FileStore::open(self.dir.path(), keyring).expect("open file store"))
    }
}

#[async_trait]
impl AtRestFixture for FileFixture {
    async fn raw_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for entry in std::fs::read_dir(self.dir.path()).expect("read store dir") {
            bytes.extend(std::fs::read(entry.expect("dir entry").path()).expect("read file"));
        }
        bytes
    }

    async fn corrupt(&self, account: &str) {
        let path = self.grant_path(account);
        let mut record: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read record")).expect("json");
        record["ciphertext"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into();
        std::fs::write(&path, serde_json::to_vec(&record).expect("json")).expect("write record");
    }

    async fn copy_record(&self, from: &str, to: &str) {
        std::fs::copy(self.grant_path(from), self.grant_path(to)).expect("copy record");
    }
}

#[derive(Debug)]
pub struct SqliteFixture {
    dir: TempDir,
    keyring: Keyring,
}

impl SqliteFixture {
    pub async fn new() -> Option<Self> {
        Some(Self {
            dir: tempfile::tempdir().expect("temp dir"),
            keyring: Keyring::generate("sqlite-k1"),
        })
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("tokens.db")
    }

    fn raw_connection(&self) -> rusqlite::Connection {
        let connection = rusqlite::Connection::open(self.path()).expect("open sqlite");
        connection
            .busy_timeout(std::time::Duration::from_secs(5))
            .expect("busy timeout");
        connection
    }
}

#[async_trait]
impl Fixture for SqliteFixture {
    fn keyring(&self) -> Keyring {
        self.keyring.clone()
    }

    async fn open_with(&self, keyring: Keyring) -> Arc<dyn TokenStore> {
        Arc::new(
            SqliteStore::open(self.path(), keyring)
                .await
                .expect("open sqlite store"),
        )
    }
}

#[async_trait]
impl AtRestFixture for SqliteFixture {
    /// The database file with its WAL and shared-memory files, as the disk holds them.
    async fn raw_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            let path = PathBuf::from(format!("{}{suffix}", self.path().display()));
            bytes.extend(std::fs::read(path).unwrap_or_default());
        }
        bytes
    }

    async fn corrupt(&self, account: &str) {
        self.raw_connection()
            .execute(
                "UPDATE grants SET ciphertext = X'DEADBEEF' WHERE account = ?1",
                [account],
            )
            .expect("corrupt row");
    }

    async fn copy_record(&self, from: &str, to: &str) {
        self.raw_connection()
            .execute(
                "INSERT OR REPLACE INTO grants (account, version, kid, nonce, ciphertext)
                 SELECT ?2, version, kid, nonce, ciphertext FROM grants WHERE account = ?1",
                [from, to],
            )
            .expect("copy row");
    }
}

#[derive(Debug)]
pub struct PostgresFixture {
    config: tokio_postgres::Config,
    keyring: Keyring,
}

impl PostgresFixture {
    /// A fresh schema in the test cluster, or `None` when PostgreSQL tests skip.
    pub async fn new() -> Option<Self> {
        static SCHEMAS: AtomicU64 = AtomicU64::new(0);
        let url = database_url()?;
        let schema = format!(
            "store_test_{}_{}",
            std::process::id(),
            SCHEMAS.fetch_add(1, Ordering::SeqCst)
        );
        let mut config: tokio_postgres::Config = url.parse().expect("DATABASE_URL parses");
        let client = connect(&config).await;
        client
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .expect("create schema");
        config.options(format!("-csearch_path={schema}"));
        Some(Self {
            config,
            keyring: Keyring::generate("pg-k1"),
        })
    }

    pub async fn raw_client(&self) -> tokio_postgres::Client {
        connect(&self.config).await
    }

    /// The store's connection settings (the schema as its search path).
    pub fn config(&self) -> tokio_postgres::Config {
        self.config.clone()
    }
}

async fn connect(config: &tokio_postgres::Config) -> tokio_postgres::Client {
    let (client, connection) = config
        .connect(tokio_postgres::NoTls)
        .await
        .expect("connect to PostgreSQL");
    tokio::spawn(connection);
    client
}

#[async_trait]
impl Fixture for PostgresFixture {
    fn keyring(&self) -> Keyring {
        self.keyring.clone()
    }

    async fn open_with(&self, keyring: Keyring) -> Arc<dyn TokenStore> {
        Arc::new(
            PostgresStore::connect_with(&self.config, keyring)
                .await
                .expect("connect postgres store"),
        )
    }
}

#[async_trait]
impl AtRestFixture for PostgresFixture {
    /// Every column of every row, as the server returns them to a raw query.
    async fn raw_bytes(&self) -> Vec<u8> {
        let rows = self
            .raw_client()
            .await
            .query(
                "SELECT convert_to(account || version::text || kid, 'UTF8'), nonce, ciphertext
                 FROM oauth_grants",
                &[],
            )
            .await
            .expect("raw query");
        rows.iter()
            .flat_map(|row| (0..3).flat_map(move |column| row.get::<_, Vec<u8>>(column)))
            .collect()
    }

    async fn corrupt(&self, account: &str) {
        self.raw_client()
            .await
            .execute(
                "UPDATE oauth_grants SET ciphertext = '\\xdeadbeef' WHERE account = $1",
                &[&account],
            )
            .await
            .expect("corrupt row");
    }

    async fn copy_record(&self, from: &str, to: &str) {
        self.raw_client()
            .await
            .execute(
                "INSERT INTO oauth_grants (account, version, kid, nonce, ciphertext)
                 SELECT $2, version, kid, nonce, ciphertext FROM oauth_grants WHERE account = $1
                 ON CONFLICT (account) DO UPDATE SET version = EXCLUDED.version,
                     kid = EXCLUDED.kid, nonce = EXCLUDED.nonce, ciphertext = EXCLUDED.ciphertext",
                &[&from, &to],
            )
            .await
            .expect("copy row");
    }
}
