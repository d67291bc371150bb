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
    /// Running as root, no temp dir is reachable by `nobody` (the cluster's
    /// owner): a directory above each is not searchable by others.
    #[error(
        "no temp dir that `nobody` (the cluster's owner under root) can reach; tried {}: make `TMPDIR` searchable by others (`chmod o+x`), point it elsewhere, or set DATABASE_URL",
        tried.iter().map(|dir| format!("`{}`", dir.display())).collect::<Vec<_>>().join(", ")
    )]
    Unreachable {
        /// The dirs tried, in order.
        tried: Vec<PathBuf>,
    },
    /// A file-system step failed (temp dir, chown, free port).
    #[error("could not {what}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// [`Postgres::stop`](crate::Postgres::stop) or `resume` on a server
    /// the value does not own (`DATABASE_URL`).
    #[error(
        "the server is `DATABASE_URL`'s, not a throwaway cluster: it cannot be stopped or restarted from here (unset DATABASE_URL to let the harness start its own)"
    )]
    NotThrowaway,
    /// `initdb` or `pg_ctl` could not be run or failed.
    #[error("`{program}` failed: {output}")]
    Command {
        /// The binary.
        program: PathBuf,
        /// Its stderr or the server log.
        output: String,
    },
}
