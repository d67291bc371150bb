//! The environment a broker process is spawned with, beyond the protocol:
//! libfaketime when the run moves broker clocks, the run's store keyring
//! when the instances share a durable store, and what store faults need
//! (libfiu's preload for a SQLite store, `setpriv` for a file store under
//! root; `store_faults.rs`). Respawns reuse it, so a restarted process
//! keeps its clock offset, its store and its fault controls.

use super::faketime::{BROKER_CLOCK_CONTROL, BrokerClockControl, FakeClock};
use super::store_faults::{
    FaultableStore, PROCESS_STORE_FAULTS, ProcessStoreFaults, dac_wrapper, libfiu,
};
use crate::broker::{BrokerEnv, BrokerFailure, FailureKind};
use std::path::PathBuf;

/// Environment variables and a command prefix for every spawn of one
/// instance; `Debug` shows names only (the store keyring is a secret).
pub(super) struct SpawnEnv {
    /// `NAME=value` pairs.
    pub vars: Vec<(String, String)>,
    /// Words run before `sh -c "exec CMD"` (`setpriv …`), or none.
    pub wrapper: Vec<String>,
    /// The instance's faultable store, if the run provisioned one.
    pub store: Option<FaultableStore>,
    /// Where libfiu puts its control FIFOs (`fiu-PID.in`/`.out`), for a
    /// SQLite store's faults.
    pub fiu_dir: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for SpawnEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpawnEnv")
            .field(
                "vars",
                &self.vars.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            )
            .field("wrapper", &self.wrapper)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl SpawnEnv {
    /// The variables for the instance `env` describes, and its libfaketime
    /// clock when the run registered a [`BrokerClockControl`].
    pub fn for_instance(env: &BrokerEnv) -> Result<(Self, Option<FakeClock>), BrokerFailure> {
        let clock = match env.shared.get::<BrokerClockControl>(BROKER_CLOCK_CONTROL) {
            Some(control) => Some(FakeClock::new(control.libfaketime.clone()).map_err(
                |error| {
                    BrokerFailure::new(
                        FailureKind::Other,
                        format!("cannot create the broker's clock file: {error}"),
                    )
                },
            )?),
            None => None,
        };
        let mut vars = clock.as_ref().map(FakeClock::env).unwrap_or_default();
        vars.extend(crate::broker::store_keys_env(&env.shared));
        vars.extend(crate::broker::bucket_env(&env.shared));
        let store = env
            .shared
            .get::<ProcessStoreFaults>(PROCESS_STORE_FAULTS)
            .and_then(|faults| faults.store_of(env.instance));
        let mut wrapper = Vec::new();
        let mut fiu_dir = None;
        match &store {
            Some(FaultableStore::Dir(_)) => wrapper = dac_wrapper(),
            Some(FaultableStore::Sqlite(_)) => {
                if let Some(libraries) = libfiu() {
                    let dir = tempfile::Builder::new()
                        .prefix("oauth-chaos-fiu-")
                        .tempdir()
                        .map_err(|error| {
                            BrokerFailure::new(
                                FailureKind::Other,
                                format!("cannot create the libfiu control dir: {error}"),
                            )
                        })?;
                    add_preload(&mut vars, &libraries);
                    vars.push((
                        "FIU_CTRL_FIFO".to_owned(),
                        dir.path().join("fiu").display().to_string(),
                    ));
                    fiu_dir = Some(dir);
                }
            }
            // The server is faulted, not the process.
            Some(FaultableStore::Postgres) | None => {}
        }
        let spawn = Self {
            vars,
            wrapper,
            store,
            fiu_dir,
        };
        Ok((spawn, clock))
    }

    /// The control FIFO of the libfiu preload in process `pid`.
    pub fn fiu_fifo(&self, pid: u32) -> Option<(PathBuf, PathBuf)> {
        let dir = self.fiu_dir.as_ref()?.path();
        Some((
            dir.join(format!("fiu-{pid}.in")),
            dir.join(format!("fiu-{pid}.out")),
        ))
    }
}

/// Adds `libraries` to `LD_PRELOAD` (space-separated, as ld.so reads it).
fn add_preload(vars: &mut Vec<(String, String)>, libraries: &[PathBuf]) {
    let names: Vec<String> = libraries.iter().map(|l| l.display().to_string()).collect();
    match vars.iter_mut().find(|(name, _)| name == "LD_PRELOAD") {
        Some((_, value)) => {
            *value = format!("{} {value}", names.join(" "));
        }
        None => vars.push(("LD_PRELOAD".to_owned(), names.join(" "))),
    }
}
