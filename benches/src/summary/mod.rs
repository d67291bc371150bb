//! The comparison's results as markdown: criterion's estimates and the
//! saved refresh counts ([`criterion_tables`]), and the loopback rows of
//! `compare.sh` ([`loopback`]), each target with its measured ratio and a
//! met/missed verdict. `bench-summary` prints them.

pub mod criterion_tables;
pub mod estimates;
pub mod loopback;

use std::path::PathBuf;

/// What can go wrong reading results.
#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    /// A results file could not be read.
    #[error("cannot read `{path}`")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A criterion estimates file is not the JSON criterion writes.
    #[error("`{path}` is not a criterion estimates file")]
    Estimates {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// A row of the loopback TSV is malformed.
    #[error("`{path}` line {line}: {reason}")]
    BadRow {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

/// The median of `values` (the mean of the middle two for an even count);
/// NaN when empty.
///
/// ```
/// use benches::summary::median;
/// assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
/// assert_eq!(median(vec![30_000.0, 40_000.0]), 35_000.0);
/// assert!(median(vec![]).is_nan());
/// ```
pub fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    }
}

/// A markdown bullet: `what = value unit (target T unit): met|missed`, where
/// the target is a floor.
///
/// ```
/// let line = benches::summary::ratio_line("x ÷ y", 7.25, 20.0, "x");
/// assert_eq!(line, "- x ÷ y = 7.2x (target 20x): **missed**\n");
/// ```
pub fn ratio_line(what: &str, value: f64, floor: f64, unit: &str) -> String {
    let verdict = if value >= floor { "met" } else { "missed" };
    let shown = if unit == "%" {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    };
    format!("- {what} = {shown}{unit} (target {floor}{unit}): **{verdict}**\n")
}
