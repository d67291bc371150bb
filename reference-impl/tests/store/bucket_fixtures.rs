//! Fixtures for the bucket store over object_store's in-memory and local
//! backends and a real S3-compatible server (`throwaway-bucket`), and for the
//! local-first store in front of a bucket.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::TryStreamExt as _;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};
use reference_impl::{
    BucketLocation, BucketStore, Keyring, LocalFirstStore, MemoryStore, TokenStore,
};
use tempfile::TempDir;
use throwaway_bucket::S3Server;

use crate::fixtures::{AtRestFixture, Fixture};

const PREFIX: &str = "tokens";

/// One bucket and a way to read it raw.
pub struct BucketFixture {
    objects: Arc<dyn ObjectStore>,
    /// The directory holding the objects at rest (local backend, S3 server).
    at_rest: Option<PathBuf>,
    keyring: Keyring,
    _dir: Option<TempDir>,
    server: Option<S3Server>,
}

impl BucketFixture {
    pub async fn in_memory() -> Option<Self> {
        Some(Self {
            objects: Arc::new(object_store::memory::InMemory::new()),
            at_rest: None,
            keyring: Keyring::generate("bucket-k1"),
            _dir: None,
            server: None,
        })
    }

    pub async fn local() -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let (objects, _) = BucketLocation::Dir(dir.path().to_owned())
            .open()
            .expect("local bucket");
        Some(Self {
            objects,
            at_rest: Some(dir.path().to_owned()),
            keyring: Keyring::generate("bucket-k1"),
            _dir: Some(dir),
            server: None,
        })
    }

    pub async fn s3() -> Option<Self> {
        let server = S3Server::start().await.expect("S3 test server starts");
        let objects = s3_client(&server);
        Some(Self {
            objects,
            at_rest: Some(server.bucket_dir()),
            keyring: Keyring::generate("bucket-k1"),
            _dir: None,
            server: Some(server),
        })
    }

    pub fn server(&self) -> &S3Server {
        self.server.as_ref().expect("an S3 fixture")
    }

    pub fn store(&self, keyring: Keyring) -> BucketStore {
        BucketStore::new(Arc::clone(&self.objects), PREFIX, keyring)
    }

    async fn head_path(&self, account: &str) -> Path {
        let prefix = Path::from(PREFIX)
            .child("grants")
            .child(URL_SAFE_NO_PAD.encode(account));
        let listed: Vec<_> = self
            .objects
            .list(Some(&prefix))
            .try_collect()
            .await
            .expect("list");
        listed
            .into_iter()
            .map(|meta| meta.location)
            .max_by(|a, b| a.as_ref().cmp(b.as_ref()))
            .expect("a stored record")
    }
}

/// An object_store client of `server`, as the store spec would build it.
pub fn s3_client(server: &S3Server) -> Arc<dyn ObjectStore> {
    let credentials = server.credentials();
    Arc::new(
        AmazonS3Builder::new()
            .with_bucket_name(server.bucket())
            .with_endpoint(server.endpoint())
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id(&credentials.access_key_id)
            .with_secret_access_key(&credentials.secret_access_key)
            .with_conditional_put(object_store::aws::S3ConditionalPut::ETagMatch)
            .with_retry(object_store::RetryConfig {
                max_retries: 2,
                retry_timeout: std::time::Duration::from_secs(5),
                ..object_store::RetryConfig::default()
            })
            .build()
            .expect("S3 client"),
    )
}

#[async_trait]
impl Fixture for BucketFixture {
    fn keyring(&self) -> Keyring {
        self.keyring.clone()
    }

    async fn open_with(&self, keyring: Keyring) -> Arc<dyn TokenStore> {
        Arc::new(self.store(keyring))
    }
}

#[async_trait]
impl AtRestFixture for BucketFixture {
    async fn raw_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        match &self.at_rest {
            Some(dir) => collect_files(dir, &mut bytes),
            None => {
                let listed: Vec<_> = self.objects.list(None).try_collect().await.expect("list");
                for meta in listed {
                    let got = self.objects.get(&meta.location).await.expect("get");
                    bytes.extend(got.bytes().await.expect("bytes"));
                }
            }
        }
        bytes
    }

    async fn corrupt(&self, account: &str) {
        let path = self.head_path(account).await;
        let raw = self
            .objects
            .get(&path)
            .await
            .expect("get")
            .bytes()
            .await
            .expect("bytes");
        let mut record: serde_json::Value = serde_json::from_slice(&raw).expect("json");
        record["grant"]["ciphertext"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into();
        let damaged = serde_json::to_vec(&record).expect("json");
        self.objects
            .put(&path, PutPayload::from(damaged))
            .await
            .expect("overwrite");
    }

    async fn copy_record(&self, from: &str, to: &str) {
        let raw = self
            .objects
            .get(&self.head_path(from).await)
            .await
            .expect("get")
            .bytes()
            .await
            .expect("bytes");
        self.objects
            .put(&self.head_path(to).await, PutPayload::from(raw))
            .await
            .expect("overwrite");
    }
}

fn collect_files(dir: &std::path::Path, bytes: &mut Vec<u8>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, bytes);
        } else {
            bytes.extend(std::fs::read(&path).expect("read file"));
        }
    }
}

/// A local-first store: a memory store per handle in front of one shared
/// in-memory bucket (each handle is another component).
pub struct LocalFirstFixture {
    bucket: BucketFixture,
}

impl LocalFirstFixture {
    pub async fn new() -> Option<Self> {
        Some(Self {
            bucket: BucketFixture::in_memory().await?,
        })
    }
}

#[async_trait]
impl Fixture for LocalFirstFixture {
    fn keyring(&self) -> Keyring {
        self.bucket.keyring()
    }

    async fn open_with(&self, keyring: Keyring) -> Arc<dyn TokenStore> {
        Arc::new(LocalFirstStore::new(
            Arc::new(MemoryStore::new()),
            Arc::new(self.bucket.store(keyring)),
        ))
    }
}
