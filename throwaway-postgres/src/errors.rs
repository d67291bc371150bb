use std::path::PathBuf;

/// Why no PostgreSQL could be provided.
#[derive(Debug, thiserror::Error)]
pub enum PostgresError {
    /// Neither `DATABASE_URL` nor the server binaries are there.
    #[error(
        "PostgreSQL is not installed: no `initdb`/`pg_ctl` on PATH or in /usr/lib/postgresql/*/bin (install the Debian package `postgresql`, or set DATABASE_URL)"
    )]
    NotInstalled,
    /// Running as root and there is no `nobody` user to run the cluster as.
    #[error("running as root and there is no `nobody` user to own the cluster")]
    NoUnprivilegedUser,
    /// A file-system step failed (temp dir, chown, free port).
    #[error("could not {what}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// `initdb` or `pg_ctl` could not be run or failed.
    #[error("`{program}` failed: {output}")]
    Command {
        /// The binary.
        program: PathBuf,
        /// Its stderr or the server log.
        output: String,
    },
}
