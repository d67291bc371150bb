//! Store faults for broker processes, by real mechanisms on the store the
//! harness provisioned for the run (docs/ARCHITECTURE.md, "Store faults
//! for processes").
//!
//! - A `file:DIR` store turns read-only the way a remounted volume does to
//!   its writers: the directory becomes mode 0555 and every file in it
//!   0444, so creating, renaming and opening for writing fail (`EACCES`)
//!   while reads work; an outage is mode 0000 on the directory (reads fail
//!   too). Permission bits bind root only without `CAP_DAC_OVERRIDE`, so
//!   a harness running as root spawns such brokers under `setpriv` with
//!   that capability (and `CAP_DAC_READ_SEARCH`) out of the bounding set
//!   ([`dac_wrapper`]).
//! - A `sqlite:PATH` store keeps its file open, so modes cannot reach it:
//!   the broker runs under libfiu's POSIX preload (Debian `fiu-utils`,
//!   [`libfiu`]) and the harness enables failure points through its
//!   control FIFO: `pwrite` fails with `EROFS` (read-only) or `ENOSPC`
//!   (full, for `store_fail_after`), and an outage fails `pread` with
//!   `EIO` as well. Its stdout, stderr and sockets use `write`, `send` and
//!   `writev`, which stay untouched.
//! - A PostgreSQL store is the run's own cluster, faulted by the server's
//!   means for every broker on it (`broker/postgres_faults.rs`).

use super::ProcessInstance;
use crate::broker::{BrokerFailure, FailureKind, RunShared, StoreFault, StoreFaults};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// The name of the run's [`ProcessStoreFaults`] in `RunShared`.
pub const PROCESS_STORE_FAULTS: &str = "run.process-store-faults";

/// Where libfiu's preload libraries live (Debian `libfiu0`).
const LIBFIU_DIR: &str = "/usr/lib/fiu";

/// The two preload libraries of libfiu's `fiu-run -x`: the remote control
/// and the POSIX wrappers, when both are installed.
pub fn libfiu() -> Option<[PathBuf; 2]> {
    let dir = std::env::var_os("OAUTH_CHAOS_LIBFIU_DIR")
        .map_or_else(|| PathBuf::from(LIBFIU_DIR), PathBuf::from);
    let run = dir.join("fiu_run_preload.so");
    let posix = dir.join("fiu_posix_preload.so");
    (run.is_file() && posix.is_file()).then_some([run, posix])
}

/// Why a `sqlite` store fault cannot run here.
pub const MISSING_LIBFIU: &str = "store faults on a SQLite store need libfiu's preload (Debian package `fiu-utils`; scripts/install-fiu.sh)";

/// The kind of store a process's faults act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultableStore {
    /// `file:DIR`: faults by directory and file modes.
    Dir(PathBuf),
    /// `sqlite:PATH`: faults by libfiu failure points.
    Sqlite(PathBuf),
    /// A PostgreSQL URL: faults on the run's own cluster
    /// ([`PostgresFaults`](crate::broker::PostgresFaults)).
    Postgres,
}

impl FaultableStore {
    /// The store a spec names, if its faults have a mechanism here.
    pub fn of_spec(spec: &str) -> Option<Self> {
        if let Some(dir) = spec.strip_prefix("file:") {
            return Some(Self::Dir(PathBuf::from(dir)));
        }
        if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
            return Some(Self::Postgres);
        }
        spec.strip_prefix("sqlite:")
            .map(|path| Self::Sqlite(PathBuf::from(path)))
    }
}

/// The run's faultable process stores, by instance, and the libfiu
/// control FIFO prefix of each instance that needs one.
#[derive(Debug, Default)]
pub struct ProcessStoreFaults {
    stores: Mutex<BTreeMap<u32, FaultableStore>>,
    /// The modes a read-only or outage fault replaced, to put back.
    saved: Mutex<BTreeMap<PathBuf, u32>>,
}

impl ProcessStoreFaults {
    /// Registers instance `instance`'s store (its spec) for faults.
    pub fn register(shared: &RunShared, instance: u32, spec: &str) {
        let Some(store) = FaultableStore::of_spec(spec) else {
            return;
        };
        if let Some(faults) = shared.get_or_create(PROCESS_STORE_FAULTS, Self::default) {
            faults
                .stores
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(instance, store);
        }
    }

    /// Instance `instance`'s faultable store, if the run registered one.
    pub fn store_of(&self, instance: u32) -> Option<FaultableStore> {
        self.stores
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&instance)
            .cloned()
    }

    /// Applies `fault` to a directory store by modes.
    pub fn apply_to_dir(&self, dir: &Path, fault: StoreFault) -> Result<(), BrokerFailure> {
        let (on, dir_mode, file_mode) = match fault {
            StoreFault::ReadOnly(on) => (on, 0o555, Some(0o444)),
            StoreFault::FailWritesAfter(0) => (true, 0o555, Some(0o444)),
            StoreFault::FailWritesAfter(_) => return Err(counted_writes_unsupported()),
            StoreFault::Outage(on) => (on, 0o000, None),
        };
        let mut saved = self.saved.lock().unwrap_or_else(PoisonError::into_inner);
        if !on {
            // Files first: the directory may be unreadable until its mode is back.
            let dir_saved = saved.remove(dir);
            if let Some(mode) = dir_saved {
                set_mode(dir, mode)?;
            }
            let files: Vec<PathBuf> = saved.keys().cloned().collect();
            for file in files {
                if let Some(mode) = saved.remove(&file) {
                    set_mode(&file, mode)?;
                }
            }
            return Ok(());
        }
        if let Some(file_mode) = file_mode {
            for file in files_in(dir)? {
                saved.entry(file.clone()).or_insert(mode_of(&file)?);
                set_mode(&file, file_mode)?;
            }
        }
        saved.entry(dir.to_path_buf()).or_insert(mode_of(dir)?);
        set_mode(dir, dir_mode)
    }
}

/// The libfiu control commands for `fault` on a SQLite store (one line
/// each, as `fiu-ctrl -c` takes them).
pub fn fiu_commands(fault: StoreFault) -> Result<Vec<String>, BrokerFailure> {
    const EROFS: i32 = 30;
    const ENOSPC: i32 = 28;
    const EIO: i32 = 5;
    let enable = |name: &str, errno: i32| format!("enable name={name},failinfo={errno}");
    let disable = |name: &str| format!("disable name={name}");
    Ok(match fault {
        StoreFault::ReadOnly(true) => vec![enable("posix/io/rw/pwrite", EROFS)],
        StoreFault::FailWritesAfter(0) => vec![enable("posix/io/rw/pwrite", ENOSPC)],
        StoreFault::FailWritesAfter(_) => return Err(counted_writes_unsupported()),
        StoreFault::Outage(true) => vec![
            enable("posix/io/rw/pwrite", EIO),
            enable("posix/io/rw/pread", EIO),
        ],
        StoreFault::ReadOnly(false) => vec![disable("posix/io/rw/pwrite")],
        StoreFault::Outage(false) => {
            vec![disable("posix/io/rw/pwrite"), disable("posix/io/rw/pread")]
        }
    })
}

/// `O_NONBLOCK` on Linux: a FIFO opens without waiting for its other end.
const O_NONBLOCK: i32 = 0o4000;

/// Sends `commands` to the libfiu remote control of one process (its
/// `.in` FIFO) and reads each answer (a line on `.out`; `0` is success),
/// within two seconds. Blocking: call it off the runtime's threads.
pub fn fiu_send(fifo_in: &Path, fifo_out: &Path, commands: &[String]) -> Result<(), BrokerFailure> {
    use std::io::{Read, Write};
    use std::os::unix::fs::OpenOptionsExt;
    let failure = |what: &str| {
        BrokerFailure::new(
            FailureKind::Other,
            format!("libfiu control of the broker process: {what}"),
        )
    };
    for command in commands {
        // The answer FIFO first, without blocking, so the preload's write
        // of the answer never waits for us.
        let mut answer = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(O_NONBLOCK)
            .open(fifo_out)
            .map_err(|error| failure(&format!("cannot open {}: {error}", fifo_out.display())))?;
        let mut request = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(O_NONBLOCK)
            .open(fifo_in)
            .map_err(|error| failure(&format!("cannot open {}: {error}", fifo_in.display())))?;
        request
            .write_all(format!("{command}\n").as_bytes())
            .map_err(|error| failure(&format!("cannot send `{command}`: {error}")))?;
        drop(request);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        let mut line = Vec::new();
        let mut buf = [0u8; 64];
        while !line.contains(&b'\n') {
            match answer.read(&mut buf) {
                Ok(n) if n > 0 => line.extend_from_slice(&buf[..n]),
                Ok(_) => {}
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(error) => return Err(failure(&format!("cannot read the answer: {error}"))),
            }
            if std::time::Instant::now() > deadline {
                return Err(failure(&format!("no answer to `{command}` within 2 s")));
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let text = String::from_utf8_lossy(&line);
        if text.trim() != "0" {
            return Err(failure(&format!("`{command}` answered `{}`", text.trim())));
        }
    }
    Ok(())
}

fn counted_writes_unsupported() -> BrokerFailure {
    BrokerFailure::new(
        FailureKind::Unsupported,
        "`store_fail_after` with writes > 0 needs a count of the store's writes, which a process store does not give; writes = 0 (a full disk now) works",
    )
}

fn files_in(dir: &Path) -> Result<Vec<PathBuf>, BrokerFailure> {
    let entries = std::fs::read_dir(dir).map_err(|error| io_failure(dir, &error))?;
    Ok(entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect())
}

fn mode_of(path: &Path) -> Result<u32, BrokerFailure> {
    std::fs::metadata(path)
        .map(|meta| meta.permissions().mode() & 0o7777)
        .map_err(|error| io_failure(path, &error))
}

fn set_mode(path: &Path, mode: u32) -> Result<(), BrokerFailure> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|error| io_failure(path, &error))
}

fn io_failure(path: &Path, error: &std::io::Error) -> BrokerFailure {
    BrokerFailure::new(
        FailureKind::Other,
        format!("cannot fault the store at {}: {error}", path.display()),
    )
}

/// The command prefix that makes modes bind a broker spawned by root:
/// `setpriv` without `CAP_DAC_OVERRIDE` and `CAP_DAC_READ_SEARCH` (the
/// process stays root and owns what it owned; only permission bits start
/// to count). Empty when the harness is not root.
pub fn dac_wrapper() -> Vec<String> {
    use std::os::unix::fs::MetadataExt;
    let root = std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0);
    if !root {
        return Vec::new();
    }
    [
        "setpriv",
        "--bounding-set=-dac_override,-dac_read_search",
        "--",
    ]
    .map(str::to_owned)
    .to_vec()
}

impl ProcessInstance {
    /// Enables in a respawned process `pid` the libfiu failure points of
    /// every SQLite fault sent so far.
    pub(super) async fn resend_sqlite_faults(&self, pid: Option<u32>) -> Result<(), BrokerFailure> {
        let faults = self
            .sqlite_faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let Some((fifo_in, fifo_out)) = pid.and_then(|pid| self.spawn_env.fiu_fifo(pid)) else {
            return Ok(());
        };
        if faults.is_empty() {
            return Ok(());
        }
        let mut commands = Vec::new();
        for fault in faults {
            commands.extend(fiu_commands(fault)?);
        }
        tokio::task::spawn_blocking(move || fiu_send(&fifo_in, &fifo_out, &commands))
            .await
            .map_err(|error| BrokerFailure::new(FailureKind::Other, error.to_string()))?
    }
}

/// Store faults by real mechanisms on the store the harness provisioned
/// (`store_faults.rs`): modes on a `file:` directory, libfiu failure points
/// in the process for SQLite.
#[async_trait]
impl StoreFaults for ProcessInstance {
    async fn store_fault(&self, fault: StoreFault) -> Result<(), BrokerFailure> {
        let faults = self
            .shared
            .get::<ProcessStoreFaults>(PROCESS_STORE_FAULTS)
            .ok_or_else(|| crate::broker::unsupported("store_faults"))?;
        match self.spawn_env.store.clone() {
            Some(FaultableStore::Dir(dir)) => {
                tokio::task::spawn_blocking(move || faults.apply_to_dir(&dir, fault))
                    .await
                    .map_err(|error| BrokerFailure::new(FailureKind::Other, error.to_string()))?
            }
            Some(FaultableStore::Sqlite(_)) => {
                let commands = fiu_commands(fault)?;
                let pid = self.connection().pid();
                let Some((fifo_in, fifo_out)) = pid.and_then(|pid| self.spawn_env.fiu_fifo(pid))
                else {
                    return Err(BrokerFailure::new(FailureKind::Unsupported, MISSING_LIBFIU));
                };
                // A respawned process starts with no failure point enabled:
                // the fault is the store's, so it is sent again on restart.
                self.sqlite_faults
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(fault);
                tokio::task::spawn_blocking(move || fiu_send(&fifo_in, &fifo_out, &commands))
                    .await
                    .map_err(|error| BrokerFailure::new(FailureKind::Other, error.to_string()))?
            }
            Some(FaultableStore::Postgres) => {
                crate::broker::PostgresFaults::of_run(&self.shared)
                    .ok_or_else(|| crate::broker::unsupported("store_faults"))?
                    .apply(fault)
                    .await
            }
            None => Err(crate::broker::unsupported("store_faults")),
        }
    }

    /// Watches the store's directory and SIGKILLs the process at the first
    /// write there (`write_watch.rs`); a PostgreSQL store's writes happen
    /// in the server, out of sight, and are refused.
    async fn trap_next_write(&self) -> Result<crate::broker::WriteTrap, BrokerFailure> {
        let dir = match &self.spawn_env.store {
            Some(FaultableStore::Dir(dir)) => dir.clone(),
            Some(FaultableStore::Sqlite(path)) => path
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            Some(FaultableStore::Postgres) | None => {
                return Err(BrokerFailure::new(
                    FailureKind::Unsupported,
                    "`crash_at_store_write` needs a `file:` or `sqlite:` store the harness watches; a PostgreSQL store writes in its server",
                ));
            }
        };
        let pid = self
            .connection()
            .pid()
            .ok_or_else(|| BrokerFailure::new(FailureKind::Other, "the broker process is gone"))?;
        super::write_watch::kill_at_next_write(&dir, pid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_only_dir_store_refuses_new_files_and_comes_back() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("alice.json"), b"{}").unwrap();
        set_mode(&dir.path().join("alice.json"), 0o600).unwrap();
        let dir_mode = mode_of(dir.path()).unwrap();
        let faults = ProcessStoreFaults::default();
        faults
            .apply_to_dir(dir.path(), StoreFault::ReadOnly(true))
            .unwrap();
        assert_eq!(mode_of(dir.path()).unwrap(), 0o555);
        assert_eq!(mode_of(&dir.path().join("alice.json")).unwrap(), 0o444);
        faults
            .apply_to_dir(dir.path(), StoreFault::ReadOnly(false))
            .unwrap();
        assert_eq!(mode_of(dir.path()).unwrap(), dir_mode);
        assert_eq!(mode_of(&dir.path().join("alice.json")).unwrap(), 0o600);
    }

    #[test]
    fn sqlite_faults_are_libfiu_commands() {
        assert_eq!(
            fiu_commands(StoreFault::FailWritesAfter(0)).unwrap(),
            vec!["enable name=posix/io/rw/pwrite,failinfo=28"]
        );
        assert!(fiu_commands(StoreFault::FailWritesAfter(3)).is_err());
        assert_eq!(
            FaultableStore::of_spec("sqlite:/t/x.db"),
            Some(FaultableStore::Sqlite(PathBuf::from("/t/x.db")))
        );
        assert_eq!(
            FaultableStore::of_spec("postgresql://postgres@127.0.0.1:5/postgres"),
            Some(FaultableStore::Postgres)
        );
        assert_eq!(FaultableStore::of_spec("memory"), None);
    }
}
