use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use rand::Rng as _;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::net::TcpListener;

use crate::StartError;
use crate::faults::{BucketFaults, FaultService, WriteLog};
use crate::request_time::ServerClock;
use crate::serialized::Serialized;

/// The bucket every server creates.
const BUCKET: &str = "oauth-chaos";

/// SigV4 credentials the server accepts (random per server).
#[derive(Clone)]
pub struct S3Credentials {
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// An S3-compatible server on 127.0.0.1 over a temp directory; stopped and
/// removed on drop.
#[derive(Debug)]
pub struct S3Server {
    addr: SocketAddr,
    dir: tempfile::TempDir,
    faults: BucketFaults,
    log: WriteLog,
    credentials: S3Credentials,
    clock: ServerClock,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl S3Server {
    /// Starts a server with one empty bucket ([`bucket`](Self::bucket)).
    ///
    /// # Errors
    ///
    /// [`StartError`] when the directory or the port cannot be had.
    pub async fn start() -> Result<Self, StartError> {
        let dir = tempfile::Builder::new()
            .prefix("oauth-chaos-bucket-")
            .tempdir()
            .map_err(|source| StartError::TempDir { source })?;
        std::fs::create_dir(dir.path().join(BUCKET))
            .map_err(|source| StartError::TempDir { source })?;
        let backend = s3s_fs::FileSystem::new(dir.path()).map_err(|error| StartError::Backend {
            root: dir.path().display().to_string(),
            source: format!("{error:?}").into(),
        })?;
        let credentials = S3Credentials {
            access_key_id: format!("OCHAOS{:012X}", rand::rng().random::<u64>() >> 16),
            secret_access_key: format!("{:032x}", rand::rng().random::<u128>()),
        };
        let mut builder = S3ServiceBuilder::new(Serialized::new(backend));
        builder.set_auth(SimpleAuth::from_single(
            credentials.access_key_id.clone(),
            credentials.secret_access_key.clone(),
        ));
        // S3's 15-minute rule is judged by the fault layer on the server's
        // clock (`request_time.rs`); s3s's own check reads the machine's.
        let mut config = s3s::config::S3Config::default();
        config.presigned_url_max_skew_time_secs = u32::MAX;
        builder.set_config(Arc::new(s3s::config::StaticConfigProvider::new(Arc::new(
            config,
        ))));
        let faults = BucketFaults::default();
        let log = WriteLog::default();
        let clock = ServerClock::default();
        let service = FaultService {
            inner: builder.build(),
            faults: faults.shared(),
            log: log.clone(),
            clock: clock.clone(),
        };
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|source| StartError::Bind { source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StartError::Bind { source })?;
        let task = tokio::spawn(serve(listener, service));
        Ok(Self {
            addr,
            dir,
            faults,
            log,
            credentials,
            clock,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        BUCKET
    }

    /// The credentials to sign with.
    pub fn credentials(&self) -> &S3Credentials {
        &self.credentials
    }

    /// The directory whose files are the bucket's objects at rest (with the
    /// backend's own metadata files).
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The bucket's directory under [`root`](Self::root).
    pub fn bucket_dir(&self) -> PathBuf {
        self.dir.path().join(BUCKET)
    }

    /// Every object write the server committed so far.
    pub fn write_log(&self) -> &WriteLog {
        &self.log
    }

    /// The clock requests are dated by (S3 refuses a request signed more
    /// than 15 minutes from it); point it at a run's timeline with
    /// [`ServerClock::follow`].
    pub fn clock(&self) -> &ServerClock {
        &self.clock
    }

    /// The fault layer's knobs.
    pub fn faults(&self) -> &BucketFaults {
        &self.faults
    }

    /// `bucket:s3://BUCKET/PREFIX?endpoint=…`, the store spec of `prefix` here.
    pub fn store_spec(&self, prefix: &str) -> String {
        format!("bucket:s3://{BUCKET}/{prefix}?endpoint={}", self.endpoint())
    }

    /// The environment a process needs to reach the bucket.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", self.credentials.access_key_id.clone()),
            (
                "AWS_SECRET_ACCESS_KEY",
                self.credentials.secret_access_key.clone(),
            ),
            ("AWS_REGION", "us-east-1".to_owned()),
        ]
    }
}

async fn serve(listener: TcpListener, service: FaultService) {
    let connections = ConnBuilder::new(TokioExecutor::new());
    loop {
        let Ok((socket, _)) = listener.accept().await else {
            continue;
        };
        if service.faults.is_down() {
            // A full outage: the connection is cut before a byte is read.
            drop(socket);
            continue;
        }
        let service = service.clone();
        let connections = connections.clone();
        tokio::spawn(async move {
            let served = connections
                .serve_connection(TokioIo::new(socket), service)
                .await;
            if let Err(error) = served {
                tracing::debug!(%error, "S3 test server connection ended");
            }
        });
    }
}
