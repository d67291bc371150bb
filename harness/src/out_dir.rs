//! What `oauth-chaos run --out DIR` writes per run, and under which names:
//! the HTML timeline of a failing run and every process instance's stderr.
//!
//! Names read as `{scenario}--{broker}--seed{seed}`, where `{broker}` is a
//! short, readable slug of the broker choice and, whenever the slug is not
//! the choice itself (a `cmd:` command, anything with characters a file
//! name should not hold), 8 hex digits of its SHA-256: two `cmd:` brokers
//! written to one folder never overwrite each other, however alike their
//! commands start.

use crate::run::{RunOutcome, RunRecord};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The longest broker slug kept in a file name.
const MAX_SLUG: usize = 40;

/// The common stem of a run's files.
///
/// ```
/// use harness::out_dir::file_stem;
/// assert_eq!(file_stem("thundering-herd", "reference", 7), "thundering-herd--reference--seed7");
/// let a = file_stem("s", "cmd:env FAKETIME_DONT_FAKE_MONOTONIC=0 python3 adapters/a/broker.py", 1);
/// let b = file_stem("s", "cmd:env FAKETIME_DONT_FAKE_MONOTONIC=0 python3 adapters/b/broker.py", 1);
/// assert!(a.starts_with("s--cmd-python3-broker.py-") && a.ends_with("--seed1"), "{a}");
/// assert_ne!(a, b);
/// ```
pub fn file_stem(scenario: &str, broker: &str, seed: u64) -> String {
    format!("{scenario}--{}--seed{seed}", broker_slug(broker))
}

/// A readable slug of a broker choice: as it is when it is already a safe
/// name (`reference`, `mutant-x`), else the command's words that say what
/// runs (no `env`, no `NAME=value`, file names without their folders),
/// cut to [`MAX_SLUG`] and marked with a hash of the whole choice.
fn broker_slug(broker: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
    if broker.len() <= MAX_SLUG && broker.chars().all(safe) {
        return broker.to_owned();
    }
    let (kind, rest) = broker.split_once(':').unwrap_or(("", broker));
    let words: Vec<&str> = rest
        .split_whitespace()
        .filter(|word| *word != "env" && !word.contains('='))
        .map(|word| word.trim_matches(['\'', '"']))
        .map(|word| word.rsplit('/').next().unwrap_or(word))
        .filter(|word| !word.is_empty())
        .collect();
    let readable: String = std::iter::once(kind)
        .chain(words)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-")
        .chars()
        .map(|c| if safe(c) { c } else { '_' })
        .take(MAX_SLUG)
        .collect();
    let digest = Sha256::digest(broker.as_bytes());
    let short: String = digest[..4]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("{readable}-{short}")
}

/// Writes a run's files into `dir`: the timeline when it failed (`html`
/// rendered by the caller) and each instance's captured stderr; the paths
/// written.
///
/// # Errors
///
/// The path that could not be written, with the cause.
pub fn write_run_files(
    dir: &Path,
    outcome: &RunOutcome,
    record: &RunRecord,
    timeline_html: Option<String>,
) -> Result<Vec<PathBuf>, (PathBuf, std::io::Error)> {
    let stem = file_stem(&outcome.scenario, &outcome.broker, outcome.seed);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    if let Some(html) = timeline_html {
        files.push((format!("{stem}.html"), html.into_bytes()));
    }
    for (instance, log) in &record.instance_logs {
        files.push((
            format!("{stem}--instance{instance}.stderr.log"),
            log.clone(),
        ));
    }
    let mut written = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(&path, bytes))
            .map_err(|error| (path.clone(), error))?;
        written.push(path);
    }
    Ok(written)
}
