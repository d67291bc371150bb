//! Where a bucket store lives, as written after `bucket:` in a store spec.
//!
//! - `bucket:memory`: a fresh in-memory bucket (one process; tests);
//! - `bucket:file:DIR`: object_store's local backend in `DIR`;
//! - `bucket:s3://BUCKET[/PREFIX][?endpoint=URL&region=REGION]`: S3 or any
//!   S3-compatible server. Credentials come from the environment as the AWS
//!   tools read them (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//!   `AWS_SESSION_TOKEN`; `AWS_ENDPOINT_URL` and `AWS_REGION` too), never from
//!   the spec, so a spec can be logged. An `http://` endpoint is allowed (a
//!   server on 127.0.0.1).

use super::bucket_dates::{DatedConnector, ServerDates};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use object_store::ObjectStore;
use object_store::aws::{AmazonS3Builder, S3ConditionalPut};
use object_store::{BackoffConfig, ClientOptions, RetryConfig};

use super::StoreError;

/// The prefix grants live under in a `bucket:memory` or `bucket:file:` store.
const DEFAULT_PREFIX: &str = "oauth-tokens";

/// A bucket the store can open (the part of a spec after `bucket:`).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BucketLocation {
    /// A fresh in-memory bucket.
    Memory,
    /// object_store's local backend rooted at this directory.
    Dir(PathBuf),
    /// An S3 (or S3-compatible) bucket.
    S3 {
        /// The bucket name.
        bucket: String,
        /// Where under the bucket the store keeps its objects.
        prefix: String,
        /// The server, when not AWS (`http://127.0.0.1:9000`).
        endpoint: Option<String>,
        /// The region (default `us-east-1`).
        region: Option<String>,
    },
}

/// A `bucket:` spec that cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "bad bucket spec: {problem}; use `bucket:memory`, `bucket:file:DIR` or `bucket:s3://BUCKET/PREFIX?endpoint=URL`"
)]
pub struct BucketSpecError {
    /// What is wrong (never echoes a query value).
    pub problem: String,
}

impl BucketLocation {
    /// Parses what follows `bucket:`.
    ///
    /// ```
    /// use reference_impl::BucketLocation;
    ///
    /// let s3 = BucketLocation::parse("s3://tokens/prod?endpoint=http://127.0.0.1:9000").unwrap();
    /// assert_eq!(s3.to_string(), "s3://tokens/prod?endpoint=http://127.0.0.1:9000");
    /// assert!(BucketLocation::parse("gs://tokens").unwrap_err().to_string().contains("`gs`"));
    /// ```
    pub fn parse(rest: &str) -> Result<Self, BucketSpecError> {
        let problem = |problem: String| BucketSpecError { problem };
        if rest == "memory" {
            return Ok(Self::Memory);
        }
        if let Some(dir) = rest.strip_prefix("file:") {
            if dir.is_empty() {
                return Err(problem("`file:` needs a directory".to_owned()));
            }
            return Ok(Self::Dir(dir.into()));
        }
        let url = url::Url::parse(rest).map_err(|_| problem("not a URL".to_owned()))?;
        if url.scheme() != "s3" {
            return Err(problem(format!("unknown scheme `{}`", url.scheme())));
        }
        let bucket = url
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| problem("no bucket name".to_owned()))?
            .to_owned();
        let (mut endpoint, mut region) = (None, None);
        for (key, value) in url.query_pairs() {
            match &*key {
                "endpoint" => endpoint = Some(value.into_owned()),
                "region" => region = Some(value.into_owned()),
                other => return Err(problem(format!("unknown parameter `{other}`"))),
            }
        }
        let prefix = url.path().trim_matches('/');
        Ok(Self::S3 {
            bucket,
            prefix: if prefix.is_empty() {
                DEFAULT_PREFIX.to_owned()
            } else {
                prefix.to_owned()
            },
            endpoint,
            region,
        })
    }

    /// The object store and the prefix to keep grants under; S3 credentials
    /// come from the environment.
    pub fn open(&self) -> Result<(Arc<dyn ObjectStore>, String), StoreError> {
        self.open_signed(None)
    }

    /// As [`open`](Self::open), signing S3 requests with these credentials
    /// (access key id, secret access key) instead of the environment's.
    pub fn open_signed(
        &self,
        credentials: Option<(&str, &str)>,
    ) -> Result<(Arc<dyn ObjectStore>, String), StoreError> {
        self.open_dated(credentials, &ServerDates::default())
    }

    /// As [`open_signed`](Self::open_signed), noting the `Date` of each S3
    /// answer in `dates` (the in-memory and local backends give none).
    pub fn open_dated(
        &self,
        credentials: Option<(&str, &str)>,
        dates: &ServerDates,
    ) -> Result<(Arc<dyn ObjectStore>, String), StoreError> {
        Ok(match self {
            Self::Memory => (
                Arc::new(object_store::memory::InMemory::new()),
                DEFAULT_PREFIX.to_owned(),
            ),
            Self::Dir(dir) => {
                std::fs::create_dir_all(dir).map_err(super::io_error::write_error)?;
                let local = object_store::local::LocalFileSystem::new_with_prefix(dir)
                    .map_err(StoreError::unavailable)?;
                (Arc::new(local), DEFAULT_PREFIX.to_owned())
            }
            Self::S3 {
                bucket,
                prefix,
                endpoint,
                region,
            } => {
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_conditional_put(S3ConditionalPut::ETagMatch)
                    .with_retry(bounded_retries())
                    .with_http_connector(DatedConnector {
                        dates: dates.clone(),
                    })
                    .with_client_options(
                        ClientOptions::new()
                            .with_timeout(Duration::from_secs(10))
                            .with_connect_timeout(Duration::from_secs(3)),
                    );
                if let Some((access_key_id, secret_access_key)) = credentials {
                    builder = builder
                        .with_access_key_id(access_key_id)
                        .with_secret_access_key(secret_access_key);
                }
                if let Some(endpoint) = endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"))
                        .with_virtual_hosted_style_request(false);
                }
                builder = builder.with_region(region.as_deref().unwrap_or("us-east-1"));
                let s3 = builder.build().map_err(StoreError::unavailable)?;
                (Arc::new(s3), prefix.clone())
            }
        })
    }
}

/// A few quick retries inside object_store: the broker has its own backoff,
/// and a store call must fail in seconds when the bucket is down so the
/// local-first mode can serve from its local copy.
fn bounded_retries() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(500),
            base: 2.0,
        },
        max_retries: 2,
        retry_timeout: Duration::from_secs(5),
    }
}

impl fmt::Display for BucketLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Memory => f.write_str("memory"),
            Self::Dir(dir) => write!(f, "file:{}", dir.display()),
            Self::S3 {
                bucket,
                prefix,
                endpoint,
                region,
            } => {
                write!(f, "s3://{bucket}/{prefix}")?;
                let mut joiner = '?';
                for (key, value) in [("endpoint", endpoint), ("region", region)] {
                    if let Some(value) = value {
                        write!(f, "{joiner}{key}={value}")?;
                        joiner = '&';
                    }
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for BucketLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BucketLocation({self})")
    }
}
