/// Why [`S3Server::start`](crate::S3Server::start) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The temp directory for the bucket could not be made.
    #[error("cannot create the bucket directory; check that the temp dir is writable")]
    TempDir {
        /// The IO failure.
        #[source]
        source: std::io::Error,
    },
    /// `s3s-fs` refused the directory.
    #[error("the S3 file-system backend cannot serve `{root}`")]
    Backend {
        /// The directory.
        root: String,
        /// The backend's failure.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// No port on 127.0.0.1 could be bound.
    #[error("cannot listen on 127.0.0.1")]
    Bind {
        /// The IO failure.
        #[source]
        source: std::io::Error,
    },
}
