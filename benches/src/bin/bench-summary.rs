//! Prints the side-by-side results as markdown (what docs/PERFORMANCE.md
//! quotes), each target with its measured ratio:
//!
//! ```text
//! bench-summary criterion          # criterion estimates + saved refresh counts
//! bench-summary loopback FILE.tsv  # the rows benches/loopback/compare.sh wrote
//! bench-summary all [FILE.tsv]     # both
//! ```

use std::path::{Path, PathBuf};

use anyhow::Context;
use benches::results;
use benches::summary::estimates::CriterionResults;
use benches::summary::{SummaryError, criterion_tables, loopback};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "bench-summary")]
struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, Subcommand)]
enum What {
    /// The criterion benches (from target/criterion and target/bench-results).
    Criterion,
    /// The loopback comparison rows.
    Loopback { rows: PathBuf },
    /// Both (rows default to target/bench-results/loopback.tsv).
    All { rows: Option<PathBuf> },
}

fn criterion() -> anyhow::Result<String> {
    let results = CriterionResults::new(results::criterion_dir());
    let counts = results::load_all().context("reading saved refresh counts")?;
    Ok(criterion_tables::report(&results, &counts)?)
}

fn loopback_rows(path: &Path) -> anyhow::Result<String> {
    let tsv = std::fs::read_to_string(path).map_err(|source| SummaryError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(loopback::report(&loopback::parse(&tsv, path)?))
}

fn main() -> anyhow::Result<()> {
    let report = match Args::parse().what {
        What::Criterion => criterion()?,
        What::Loopback { rows } => loopback_rows(&rows)?,
        What::All { rows } => {
            let rows = rows.unwrap_or_else(|| results::results_dir().join("loopback.tsv"));
            let loopback = if rows.exists() {
                loopback_rows(&rows)?
            } else {
                format!("\n(no loopback rows at `{}`)\n", rows.display())
            };
            format!("{}\n### Loopback\n{loopback}", criterion()?)
        }
    };
    println!("{report}");
    Ok(())
}
