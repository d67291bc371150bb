//! `store = "sqlite"`: one SQLite database file per run, in a temporary
//! folder the harness owns (deleted once the run's instances are dropped),
//! sealed with a keyring made for the run. In-process reference instances
//! open it directly; process brokers get it in `initialize` as
//! `store.kind = "sqlite:PATH"` and `store.keys`, the same again after a
//! restart, so a SIGKILLed broker reads back what it sealed.

use super::{BrokerFailure, FailureKind, RunShared};
use reference_impl::Keyring;
use std::path::PathBuf;
use std::sync::Arc;

/// The store kind the harness resolves itself.
pub(crate) const SCRATCH_SQLITE: &str = "sqlite";

/// One run's SQLite scratch folder and keyring.
#[derive(Debug)]
pub(crate) struct ScratchSqlite {
    dir: Result<tempfile::TempDir, String>,
    keys: String,
}

impl ScratchSqlite {
    /// The run's scratch database (the first instance creates it).
    pub fn for_run(shared: &RunShared) -> Result<Arc<Self>, BrokerFailure> {
        let scratch = shared
            .get_or_create("scratch-sqlite", || Self {
                dir: tempfile::Builder::new()
                    .prefix("oauth-chaos-store-")
                    .tempdir()
                    .map_err(|error| error.to_string()),
                keys: Keyring::generate_entry("oauth-chaos-run"),
            })
            .ok_or_else(|| {
                BrokerFailure::new(FailureKind::Other, "shared scratch has another type")
            })?;
        if let Err(error) = &scratch.dir {
            return Err(BrokerFailure::new(
                FailureKind::Storage,
                format!("cannot create a scratch folder for `store = \"sqlite\"`: {error}"),
            ));
        }
        Ok(scratch)
    }

    /// The database file.
    pub fn path(&self) -> PathBuf {
        self.dir
            .as_ref()
            .map(|dir| dir.path().join("broker.sqlite"))
            .unwrap_or_default()
    }

    /// The keyring entries (`kid:base64key`) records are sealed with.
    pub fn keys(&self) -> &str {
        &self.keys
    }
}
