//! Mutants that must be processes, to prove a channel only processes have
//! (protocol answers, URLs the harness never sees, a store written by
//! another language): small Python adapters over the python-minimal
//! example, embedded in the harness so `mutant:NAME` works from the binary.
//!
//! On first use the scripts are written to a folder under the system temp
//! dir named after a hash of their contents (the same harness build always
//! reuses it), laid out as the examples are:
//! `python-minimal/broker.py`, `python-plaintext-store/broker.py`,
//! `mutants/*.py`. Each mutant then runs as `cmd:env FAKETIME_DONT_FAKE_MONOTONIC=0 python3 SCRIPT`.

use crate::broker::ProcessBroker;
use crate::broker::{BrokerEnv, BrokerFactory, BrokerFailure, FailureKind};
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Every embedded script, by its path in the folder.
const SCRIPTS: &[(&str, &str)] = &[
    (
        "python-minimal/broker.py",
        include_str!("../../../examples/adapters/python-minimal/broker.py"),
    ),
    (
        "python-plaintext-store/broker.py",
        include_str!("../../../examples/adapters/python-plaintext-store/broker.py"),
    ),
    (
        "mutants/status_shows_token.py",
        include_str!("python/status_shows_token.py"),
    ),
    (
        "mutants/tokeninfo_in_url.py",
        include_str!("python/tokeninfo_in_url.py"),
    ),
];

/// The process mutants: name and script.
const PROCESS_MUTANTS: &[(&str, &str)] = &[
    ("plaintext-store", "python-plaintext-store/broker.py"),
    ("status-shows-token", "mutants/status_shows_token.py"),
    ("tokeninfo-in-url", "mutants/tokeninfo_in_url.py"),
];

/// The factory for a process mutant, if `name` is one.
pub(super) fn process_mutant(name: &str) -> Option<Arc<dyn BrokerFactory>> {
    let (name, script) = PROCESS_MUTANTS.iter().find(|(n, _)| *n == name)?;
    Some(Arc::new(PythonMutant { name, script }))
}

/// `mutant:NAME` run as `env FAKETIME_DONT_FAKE_MONOTONIC=0 python3 SCRIPT`
/// (Python under libfaketime needs its monotonic clock moved too:
/// docs/PROTOCOL.md, "Time").
#[derive(Debug, Clone, Copy)]
struct PythonMutant {
    name: &'static str,
    script: &'static str,
}

#[async_trait]
impl BrokerFactory for PythonMutant {
    fn name(&self) -> String {
        format!("mutant:{}", self.name)
    }

    fn in_process(&self) -> bool {
        false
    }

    async fn build(
        &self,
        env: BrokerEnv,
    ) -> Result<Arc<dyn crate::broker::BrokerInstance>, BrokerFailure> {
        let folder = scripts_folder().map_err(|error| {
            BrokerFailure::new(
                FailureKind::Crashed,
                format!("cannot write the mutant's scripts: {error}"),
            )
        })?;
        let script = folder.join(self.script);
        let command = format!(
            "env FAKETIME_DONT_FAKE_MONOTONIC=0 python3 '{}'",
            script.display().to_string().replace('\'', r"'\''")
        );
        ProcessBroker::command(command).build(env).await
    }
}

/// The folder holding every script, written once per process.
fn scripts_folder() -> Result<&'static Path, String> {
    static FOLDER: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    FOLDER
        .get_or_init(|| write_scripts(&std::env::temp_dir()))
        .as_deref()
        .map_err(Clone::clone)
}

fn write_scripts(temp: &Path) -> Result<PathBuf, String> {
    let mut hash = Sha256::new();
    for (path, text) in SCRIPTS {
        hash.update(path.as_bytes());
        hash.update(text.as_bytes());
    }
    let digest = hex::encode(&hash.finalize()[..8]);
    let folder = temp.join(format!("oauth-chaos-python-mutants-{digest}"));
    for (path, text) in SCRIPTS {
        let target = folder.join(path);
        if std::fs::read_to_string(&target).is_ok_and(|found| found == *text) {
            continue;
        }
        let parent = target.parent().unwrap_or(&folder);
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        // Through a temp file and a rename: parallel test binaries share it.
        let partial = tempfile::NamedTempFile::new_in(parent)
            .map_err(|e| format!("{}: {e}", parent.display()))?;
        std::fs::write(partial.path(), text).map_err(|e| format!("{}: {e}", target.display()))?;
        partial
            .persist(&target)
            .map_err(|e| format!("{}: {e}", target.display()))?;
    }
    Ok(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scripts_are_written_once_in_the_examples_layout() {
        let temp = tempfile::tempdir().expect("temp dir");
        let first = write_scripts(temp.path()).expect("written");
        let again = write_scripts(temp.path()).expect("written");
        assert_eq!(first, again);
        for (path, text) in SCRIPTS {
            assert_eq!(
                std::fs::read_to_string(first.join(path)).expect("there"),
                *text
            );
        }
        for (_, script) in PROCESS_MUTANTS {
            assert!(SCRIPTS.iter().any(|(path, _)| path == script), "{script}");
        }
    }
}
