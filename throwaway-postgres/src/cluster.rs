//! Starting, owning and removing one throwaway cluster.

use crate::PostgresError;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A PostgreSQL server to connect to: `DATABASE_URL`, or a throwaway
/// cluster this value owns (stopped and removed on drop).
///
/// `Debug` never shows a `DATABASE_URL` (it may carry a password).
pub struct Postgres {
    url: String,
    cluster: Option<Cluster>,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = if self.cluster.is_some() {
            self.url.as_str()
        } else {
            "[DATABASE_URL]"
        };
        f.debug_struct("Postgres")
            .field("url", &url)
            .field("cluster", &self.cluster)
            .finish()
    }
}

#[derive(Debug)]
struct Cluster {
    pg_ctl: PathBuf,
    data: PathBuf,
    run_as: Option<&'static str>,
    /// The port it listens on, kept across [`Postgres::stop`] and
    /// [`Postgres::resume`] so URLs stay valid.
    port: u16,
    /// Removed on drop, after the server stopped.
    _root: tempfile::TempDir,
}

impl Postgres {
    /// `DATABASE_URL` when set, else [`start`](Self::start).
    ///
    /// # Errors
    ///
    /// See [`start`](Self::start).
    pub fn from_env_or_start() -> Result<Self, PostgresError> {
        match std::env::var("DATABASE_URL") {
            Ok(url) if !url.is_empty() => Ok(Self::existing(url)),
            _ => Self::start(),
        }
    }

    /// A server someone else runs (what `DATABASE_URL` names); nothing is
    /// stopped on drop.
    ///
    /// ```
    /// let postgres = throwaway_postgres::Postgres::existing("postgres://app:hunter2@db/app");
    /// assert!(!postgres.is_throwaway());
    /// assert!(!format!("{postgres:?}").contains("hunter2"));
    /// ```
    pub fn existing(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            cluster: None,
        }
    }

    /// Starts a throwaway cluster (`initdb`, then `pg_ctl start`) on a free
    /// port; the superuser is `postgres` with trust authentication, bound to
    /// 127.0.0.1 only.
    ///
    /// # Errors
    ///
    /// [`PostgresError::NotInstalled`] without the server binaries; the
    /// failing step otherwise.
    pub fn start() -> Result<Self, PostgresError> {
        Self::start_in(&std::env::temp_dir())
    }

    /// [`start`](Self::start) with the cluster's dir under `base` (normally
    /// `$TMPDIR`). Under root the cluster runs as `nobody`, which must be
    /// able to reach its dir: when some directory above it is not
    /// searchable by others (a `TMPDIR` of mode 0700), the dir goes under
    /// the first of `/tmp` and `/var/tmp` that is.
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start), and [`PostgresError::Unreachable`] when no
    /// candidate is reachable by `nobody`.
    pub fn start_in(base: &Path) -> Result<Self, PostgresError> {
        let bin = postgres_bin_dir().ok_or(PostgresError::NotInstalled)?;
        let as_root = is_root();
        let base = if as_root {
            reachable_by_others(base)?
        } else {
            base.to_path_buf()
        };
        let root = tempfile::Builder::new()
            .prefix("oauth-chaos-pg-")
            .tempdir_in(&base)
            .map_err(|source| PostgresError::Io {
                what: "create the cluster's temp dir",
                source,
            })?;
        let run_as = if as_root {
            let (uid, gid) = nobody_ids().ok_or(PostgresError::NoUnprivilegedUser)?;
            std::os::unix::fs::chown(root.path(), Some(uid), Some(gid)).map_err(|source| {
                PostgresError::Io {
                    what: "chown the cluster's dir to nobody",
                    source,
                }
            })?;
            Some("nobody")
        } else {
            None
        };
        let data = root.path().join("data");
        spawn_watchdog(&bin, root.path(), &data, run_as);
        let initdb = bin.join("initdb");
        let output = command(run_as, &initdb)
            .args([
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&data)
            .output()
            .map_err(|source| PostgresError::Io {
                what: "run initdb",
                source,
            })?;
        if !output.status.success() {
            return Err(PostgresError::Command {
                program: initdb,
                output: String::from_utf8_lossy(&output.stderr).into_owned(),
            });
        }
        let port = free_port()?;
        let cluster = Cluster {
            pg_ctl: bin.join("pg_ctl"),
            data,
            run_as,
            port,
            _root: root,
        };
        cluster.start()?;
        Ok(Self {
            url: format!("postgresql://postgres@127.0.0.1:{port}/postgres"),
            cluster: Some(cluster),
        })
    }

    /// The connection URL (`postgresql://…`), usable by libpq and
    /// `tokio_postgres`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// True for a cluster this value started (false for `DATABASE_URL`).
    pub fn is_throwaway(&self) -> bool {
        self.cluster.is_some()
    }

    /// Stops a throwaway cluster as a crash would (`pg_ctl stop -m
    /// immediate`: every session is cut, nothing is checkpointed), so the
    /// URL refuses connections until [`resume`](Self::resume). Blocking.
    ///
    /// # Errors
    ///
    /// [`PostgresError::NotThrowaway`] for `DATABASE_URL` (someone else's
    /// server is not ours to stop); the failing `pg_ctl` otherwise.
    ///
    /// ```no_run
    /// let postgres = throwaway_postgres::Postgres::start()?;
    /// postgres.stop()?; // connections to postgres.url() are refused now
    /// postgres.resume()?; // and accepted again, with every committed row
    /// # Ok::<_, throwaway_postgres::PostgresError>(())
    /// ```
    pub fn stop(&self) -> Result<(), PostgresError> {
        self.cluster
            .as_ref()
            .ok_or(PostgresError::NotThrowaway)?
            .stop("immediate")
    }

    /// Starts a cluster [`stop`](Self::stop) stopped, on the same port
    /// (crash recovery replays what was committed). Blocking.
    ///
    /// # Errors
    ///
    /// As [`stop`](Self::stop).
    pub fn resume(&self) -> Result<(), PostgresError> {
        self.cluster
            .as_ref()
            .ok_or(PostgresError::NotThrowaway)?
            .start()
    }
}

impl Cluster {
    fn root(&self) -> &Path {
        self._root.path()
    }

    fn start(&self) -> Result<(), PostgresError> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.root().display()
        );
        let log = self.root().join("server.log");
        let started = command(self.run_as, &self.pg_ctl)
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-o", &options, "start"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|source| PostgresError::Io {
                what: "run pg_ctl",
                source,
            })?;
        if started.success() {
            Ok(())
        } else {
            Err(PostgresError::Command {
                program: self.pg_ctl.clone(),
                output: std::fs::read_to_string(log).unwrap_or_default(),
            })
        }
    }

    /// `pg_ctl stop -m MODE`, waiting for the server to be gone.
    fn stop(&self, mode: &str) -> Result<(), PostgresError> {
        let output = command(self.run_as, &self.pg_ctl)
            .arg("-D")
            .arg(&self.data)
            .args(["-w", "-m", mode, "stop"])
            .stdin(Stdio::null())
            .output()
            .map_err(|source| PostgresError::Io {
                what: "run pg_ctl",
                source,
            })?;
        if output.status.success() {
            Ok(())
        } else {
            Err(PostgresError::Command {
                program: self.pg_ctl.clone(),
                output: String::from_utf8_lossy(&output.stderr).into_owned(),
            })
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Immediate: nothing in a throwaway cluster is worth a checkpoint.
        // A cluster already stopped makes pg_ctl fail, which is fine here.
        let _ = self.stop("immediate");
    }
}

fn command(run_as: Option<&str>, program: &Path) -> Command {
    match run_as {
        Some(user) => {
            let mut command = Command::new("runuser");
            command.args(["-u", user, "--"]).arg(program);
            command
        }
        None => Command::new(program),
    }
}

/// Stops the cluster and deletes its dir once this process has exited
/// without dropping it (a static, a panic that aborts, `kill -9`). Exits on
/// its own once the dir is gone (a normal drop).
fn spawn_watchdog(bin: &Path, root: &Path, data: &Path, run_as: Option<&str>) {
    let pg_ctl = bin.join("pg_ctl");
    let stop = match run_as {
        Some(user) => format!("runuser -u {user} -- '{}'", pg_ctl.display()),
        None => format!("'{}'", pg_ctl.display()),
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null && [ -d '{root}' ]; do sleep 0.5; done; \
         [ -d '{root}' ] || exit 0; \
         {stop} -D '{data}' stop -m immediate >/dev/null 2>&1; rm -rf '{root}'",
        pid = std::process::id(),
        data = data.display(),
        root = root.display(),
    );
    let spawned = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    if let Err(error) = spawned {
        eprintln!(
            "could not start the cluster watchdog ({error}); remove {} by hand if the process dies",
            root.display()
        );
    }
}

fn postgres_bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>());
    let mut versioned: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .collect();
    // The newest version first.
    versioned.sort();
    versioned.reverse();
    on_path
        .chain(versioned)
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

/// `preferred`, or the first fallback temp dir, whose every directory from
/// `/` down is searchable by others (so `nobody` can reach a dir in it).
fn reachable_by_others(preferred: &Path) -> Result<PathBuf, PostgresError> {
    let candidates = [
        preferred.to_path_buf(),
        PathBuf::from("/tmp"),
        PathBuf::from("/var/tmp"),
    ];
    candidates
        .iter()
        .find(|dir| searchable_by_others(dir))
        .cloned()
        .ok_or_else(|| PostgresError::Unreachable {
            tried: candidates.to_vec(),
        })
}

fn searchable_by_others(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Ok(dir) = dir.canonicalize() else {
        return false;
    };
    dir.ancestors().all(|step| {
        std::fs::metadata(step)
            .is_ok_and(|meta| meta.is_dir() && meta.permissions().mode() & 0o001 != 0)
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
}

fn nobody_ids() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let line = passwd.lines().find(|line| line.starts_with("nobody:"))?;
    let mut fields = line.split(':').skip(2);
    Some((fields.next()?.parse().ok()?, fields.next()?.parse().ok()?))
}

fn free_port() -> Result<u16, PostgresError> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|source| PostgresError::Io {
            what: "find a free port",
            source,
        })
}
