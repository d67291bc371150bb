//! Counts a bench observed besides its time (refreshes the provider saw per
//! iteration), saved where `bench-summary` finds them.
//!
//! Criterion keeps timings under `target/criterion/`; these go to
//! `target/bench-results/counts/<bench id>.json`, one file per bench id,
//! replaced by each run.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// What one bench id counted, one value per measured iteration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Counts {
    /// The criterion id, e.g. `refresh_storm/yup_oauth2/10000_callers`.
    pub bench: String,
    /// What was counted, e.g. `refreshes`.
    pub what: String,
    /// One count per iteration.
    pub per_iteration: Vec<u64>,
}

impl Counts {
    /// The median count (the lower middle for an even number), or `None`
    /// when nothing was counted.
    ///
    /// ```
    /// use benches::results::Counts;
    /// let counts = Counts { bench: "b".into(), what: "refreshes".into(), per_iteration: vec![9, 1, 5] };
    /// assert_eq!(counts.median(), Some(5));
    /// ```
    pub fn median(&self) -> Option<u64> {
        let mut sorted = self.per_iteration.clone();
        sorted.sort_unstable();
        sorted.get(sorted.len().saturating_sub(1) / 2).copied()
    }
}

/// Where results of this workspace go (`$CARGO_TARGET_DIR` or `target/`).
pub fn results_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")));
    target.join("bench-results")
}

/// Criterion's output folder for this workspace.
pub fn criterion_dir() -> PathBuf {
    results_dir().with_file_name("criterion")
}

/// Prints a one-line summary of `counts` and, under `cargo bench`, saves
/// them (replacing an earlier run's); a `cargo test` pass saves nothing, so
/// it never overwrites measured results.
///
/// # Errors
///
/// When the results folder cannot be created or written.
pub fn save(counts: &Counts) -> std::io::Result<()> {
    print_summary(counts);
    if !crate::run_mode::is_bench_run() {
        return Ok(());
    }
    let dir = results_dir().join("counts");
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(format!("{}.json", counts.bench.replace('/', "__")));
    std::fs::write(&file, serde_json::to_vec_pretty(counts)?)?;
    Ok(())
}

fn print_summary(counts: &Counts) {
    let show = |value: Option<u64>| value.map_or_else(|| "none".to_owned(), |v| v.to_string());
    println!(
        "{}: {} per iteration: median {}, min {}, max {} over {} iterations",
        counts.bench,
        counts.what,
        show(counts.median()),
        show(counts.per_iteration.iter().min().copied()),
        show(counts.per_iteration.iter().max().copied()),
        counts.per_iteration.len()
    );
}

/// Every saved count, sorted by bench id.
///
/// # Errors
///
/// When a file exists but cannot be read or parsed.
pub fn load_all() -> std::io::Result<Vec<Counts>> {
    let dir = results_dir().join("counts");
    let mut all = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(all);
    };
    for entry in entries {
        let bytes = std::fs::read(entry?.path())?;
        all.push(serde_json::from_slice(&bytes)?);
    }
    all.sort_by(|a: &Counts, b| a.bench.cmp(&b.bench));
    Ok(all)
}
