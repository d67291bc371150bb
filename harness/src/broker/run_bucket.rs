//! The bucket of a `store = "bucket"` run, shared by every instance.
//!
//! - Sim mode: object_store's in-memory backend behind [`FaultyObjects`],
//!   which asks the run's [`BucketFaults`] about every attempt as the HTTP
//!   server's fault layer does, with object_store's three attempts per call
//!   (a call fails when every attempt meets a fault, or at once in an
//!   outage; a lost acknowledgement writes, then fails). In-process instances open a `BucketStore` over it on their
//!   simulated clock.
//! - Real mode: an S3-compatible server on 127.0.0.1 (`throwaway-bucket`,
//!   started by `run/run_store.rs`); in-process instances sign with its
//!   credentials, processes get them as `AWS_*` variables ([`bucket_env`]).
//!
//! `bucket_fault` steps mount their fault on [`RunBucket::faults`].

use super::RunShared;
use async_trait::async_trait;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult,
};
use std::sync::Arc;
use throwaway_bucket::{BucketFault, BucketFaults};

/// The [`RunShared`] name of the run's [`RunBucket`].
pub const RUN_BUCKET: &str = "run.bucket";

/// A run's bucket: its faults, and how instances reach it.
#[derive(Debug)]
pub struct RunBucket {
    /// The fault rules every request to the bucket meets.
    pub faults: BucketFaults,
    /// Sim mode: the shared in-memory bucket (faults included).
    pub objects: Option<Arc<dyn ObjectStore>>,
    /// Real mode: the variables a process needs (`AWS_ACCESS_KEY_ID`, ...).
    pub env: Vec<(&'static str, String)>,
    /// Real mode: the store spec instances get (`bucket:s3://…`).
    pub spec: Option<String>,
    /// Real mode: every object write the server committed.
    pub write_log: Option<throwaway_bucket::WriteLog>,
    /// Real mode: the clock the server dates requests by, which the run
    /// points at its timeline (S3 refuses requests signed 15 minutes away
    /// from it, and the timeline jumps the processes' clocks).
    pub server_clock: Option<throwaway_bucket::ServerClock>,
}

impl RunBucket {
    /// A sim-mode bucket in memory.
    pub fn in_memory() -> Self {
        let faults = BucketFaults::default();
        let objects: Arc<dyn ObjectStore> = Arc::new(FaultyObjects {
            inner: object_store::memory::InMemory::new(),
            faults: faults.clone(),
        });
        Self {
            faults,
            objects: Some(objects),
            env: Vec::new(),
            spec: None,
            write_log: None,
            server_clock: None,
        }
    }

    /// The run's bucket, if it has one.
    pub fn of(shared: &RunShared) -> Option<Arc<Self>> {
        shared.get::<Self>(RUN_BUCKET)
    }

    /// The access key id and secret in [`env`](Self::env), for in-process signing.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        let find = |name: &str| {
            self.env
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.as_str())
        };
        Some((find("AWS_ACCESS_KEY_ID")?, find("AWS_SECRET_ACCESS_KEY")?))
    }
}

/// A store over the run's bucket for a component outside the fleet (the
/// cron fallback of a `cron_refresh_due` step), sealing with the fleet's
/// keyring and reading time from `clock`.
pub fn open_run_bucket(
    shared: &RunShared,
    clock: Arc<dyn reference_impl::Clock>,
) -> Result<Arc<dyn reference_impl::TokenStore>, String> {
    use secrecy::ExposeSecret;
    let bucket = RunBucket::of(shared).ok_or("this run has no bucket")?;
    let store = match (&bucket.objects, &bucket.spec) {
        (Some(objects), _) => {
            let keyring = shared
                .get_or_create("reference.bucket-keyring", || {
                    reference_impl::Keyring::generate("sim-bucket")
                })
                .ok_or("the bucket keyring has another type")?;
            reference_impl::BucketStore::new(objects.clone(), "run", (*keyring).clone())
        }
        (None, Some(spec)) => {
            let Ok(reference_impl::StoreSpec::Bucket(location)) = spec.parse() else {
                return Err("the run's bucket spec does not parse".to_owned());
            };
            let keys = super::RunStoreKeys::of(shared).ok_or("the run has no keyring")?;
            let keyring = reference_impl::Keyring::parse(keys.0.expose_secret())
                .map_err(|error| error.to_string())?;
            let (objects, prefix) = location
                .open_signed(bucket.credentials())
                .map_err(|error| error.to_string())?;
            reference_impl::BucketStore::new(objects, &prefix, keyring)
        }
        (None, None) => return Err("the run's bucket has no objects and no spec".to_owned()),
    };
    Ok(Arc::new(store.with_clock(clock).with_source("cron")))
}

/// The grant writes the run's S3 server committed, as store writes of the
/// store `bucket`: read from each object's clear metadata (its path names
/// the account, its `grant.version` the version; tombstones and leases are
/// left out), so the writes of process brokers are judged too.
pub fn committed_grant_writes(shared: &RunShared) -> Vec<super::StoreWrite> {
    use base64::Engine as _;
    let Some(log) = RunBucket::of(shared).and_then(|bucket| bucket.write_log.clone()) else {
        return Vec::new();
    };
    log.writes()
        .into_iter()
        .filter_map(|write| {
            let mut segments = write.path.rsplit('/');
            let _position = segments.next()?;
            let encoded = segments.next()?;
            (segments.next()? == "grants").then_some(())?;
            let account = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(encoded)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())?;
            let object: serde_json::Value = serde_json::from_slice(&write.body).ok()?;
            let version = object.get("grant")?.get("version")?.as_u64()?;
            Some(super::StoreWrite {
                store: "bucket".to_owned(),
                account,
                version,
                at: write.at,
            })
        })
        .collect()
}

/// The bucket's variables for a process instance of a run with a bucket.
pub fn bucket_env(shared: &RunShared) -> Vec<(String, String)> {
    RunBucket::of(shared)
        .map(|bucket| {
            bucket
                .env
                .iter()
                .map(|(key, value)| ((*key).to_owned(), value.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// An object store that meets the run's bucket faults before each call.
#[derive(Debug)]
pub struct FaultyObjects {
    inner: object_store::memory::InMemory,
    faults: BucketFaults,
}

impl std::fmt::Display for FaultyObjects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FaultyObjects({})", self.inner)
    }
}

fn failed(fault: BucketFault) -> object_store::Error {
    object_store::Error::Generic {
        store: "sim-bucket",
        source: format!("{fault:?}").into(),
    }
}

/// Attempts per call, as object_store makes them (one try and two retries
/// with the bucket store's retry configuration): a retriable fault fails a
/// call only when every attempt meets one.
const ATTEMPTS: usize = 3;

impl FaultyObjects {
    /// Meets the faults for one call, retrying as object_store's client
    /// would; `Err` when it fails before it is served, `Ok(Some(AckLost))`
    /// when the write is served and its answer lost.
    async fn before(&self, write: bool) -> Result<Option<BucketFault>, object_store::Error> {
        let mut last = None;
        for _ in 0..ATTEMPTS {
            match self.faults.decide(write) {
                None => return Ok(None),
                Some(BucketFault::Latency(delay)) => {
                    tokio::time::sleep(delay).await;
                    return Ok(None);
                }
                Some(BucketFault::AckLost) => return Ok(Some(BucketFault::AckLost)),
                // Down is down: retrying a dead endpoint fails the same way.
                Some(BucketFault::Outage) => return Err(failed(BucketFault::Outage)),
                Some(fault) => last = Some(fault),
            }
        }
        Err(failed(last.unwrap_or(BucketFault::InternalError)))
    }
}

#[async_trait]
impl ObjectStore for FaultyObjects {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        let after = self.before(true).await?;
        let put = self.inner.put_opts(location, payload, opts).await;
        match after {
            Some(fault) if put.is_ok() => Err(failed(fault)),
            _ => put,
        }
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        self.before(true).await?;
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        self.before(false).await?;
        self.inner.get_opts(location, options).await
    }

    async fn delete(&self, location: &Path) -> object_store::Result<()> {
        let after = self.before(true).await?;
        let deleted = self.inner.delete(location).await;
        match after {
            Some(fault) if deleted.is_ok() => Err(failed(fault)),
            _ => deleted,
        }
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        // Decided up front (a stream cannot wait out latency here): the
        // listing fails when every attempt meets a failure.
        let mut failure = None;
        for _ in 0..ATTEMPTS {
            match self.faults.decide(false) {
                Some(BucketFault::Outage) => {
                    failure = Some(BucketFault::Outage);
                    break;
                }
                Some(fault) if !matches!(fault, BucketFault::Latency(_) | BucketFault::AckLost) => {
                    failure = Some(fault);
                }
                _ => {
                    failure = None;
                    break;
                }
            }
        }
        match failure {
            Some(fault) => Box::pin(futures::stream::once(async move { Err(failed(fault)) })),
            None => self.inner.list(prefix),
        }
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        self.before(false).await?;
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy(&self, from: &Path, to: &Path) -> object_store::Result<()> {
        self.before(true).await?;
        self.inner.copy(from, to).await
    }

    async fn copy_if_not_exists(&self, from: &Path, to: &Path) -> object_store::Result<()> {
        self.before(true).await?;
        self.inner.copy_if_not_exists(from, to).await
    }
}
