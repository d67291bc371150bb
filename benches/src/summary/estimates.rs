//! Criterion's saved estimates: `target/criterion/<group>/<id>/new/estimates.json`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::SummaryError;

#[derive(Deserialize)]
struct Estimates {
    median: Estimate,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
}

/// Reads the median (ns per iteration) criterion estimated for benches under
/// one folder.
#[derive(Debug, Clone)]
pub struct CriterionResults {
    dir: PathBuf,
}

impl CriterionResults {
    /// Results under `dir` (criterion's output folder).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The folder these results are read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The median time per iteration of `id` (`group/function[/parameter]`),
    /// in nanoseconds; `None` when that bench has not been run.
    ///
    /// # Errors
    ///
    /// When the file exists but cannot be read or is not criterion's JSON.
    pub fn median_ns(&self, id: &str) -> Result<Option<f64>, SummaryError> {
        let path = self.dir.join(id).join("new/estimates.json");
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(SummaryError::Io { path, source }),
        };
        let estimates: Estimates = serde_json::from_slice(&bytes)
            .map_err(|source| SummaryError::Estimates { path, source })?;
        Ok(Some(estimates.median.point_estimate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_median_and_says_none_for_a_bench_not_run() {
        let dir = tempfile::tempdir().expect("temp dir");
        let bench = dir.path().join("group/case/new");
        std::fs::create_dir_all(&bench).expect("dirs");
        std::fs::write(
            bench.join("estimates.json"),
            r#"{"mean":{"point_estimate":9.0},"median":{"point_estimate":7.5,"standard_error":0.1}}"#,
        )
        .expect("write");
        let results = CriterionResults::new(dir.path());
        assert_eq!(results.median_ns("group/case").expect("reads"), Some(7.5));
        assert_eq!(results.median_ns("group/other").expect("reads"), None);
    }

    #[test]
    fn a_file_that_is_not_criterions_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let bench = dir.path().join("g/c/new");
        std::fs::create_dir_all(&bench).expect("dirs");
        std::fs::write(bench.join("estimates.json"), "{}").expect("write");
        let error = CriterionResults::new(dir.path())
            .median_ns("g/c")
            .unwrap_err()
            .to_string();
        assert!(error.contains("estimates.json"), "{error}");
    }
}
