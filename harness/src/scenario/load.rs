use super::model::{Mode, Scenario};
use crate::errors::ScenarioError;
use crate::steps::Check;
use std::path::{Path, PathBuf};

/// Parses and validates scenario text; `path` is only used in errors.
pub fn parse_scenario(text: &str, path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
    let path = path.as_ref().to_path_buf();
    let scenario: Scenario = toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|span| line_and_column(text, span.start))
            .unwrap_or((1, 1));
        ScenarioError::Syntax {
            path: path.clone(),
            line,
            column,
            message: e.message().trim().to_owned(),
        }
    })?;
    validate(&scenario, text, &path)?;
    Ok(scenario)
}

/// Reads and validates one scenario file.
pub fn load_file(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_scenario(&text, path)
}

/// Expands files and folders (`*.toml`, subfolders too, sorted by path)
/// into scenario files, then loads each one.
pub fn load_paths(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Scenario)>, ScenarioError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = toml_files_under(path)?;
            if found.is_empty() {
                return Err(ScenarioError::Empty { path: path.clone() });
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    files
        .into_iter()
        .map(|file| load_file(&file).map(|s| (file, s)))
        .collect()
}

/// The subfolder of known failures of the reference broker, each with a
/// comment saying why (docs/SCENARIOS.md): named explicitly they run, but a
/// walk of the folder above them leaves them out, so the library's run
/// stays a statement about what passes.
pub const PENDING_DIR: &str = "pending";

/// Every `*.toml` under `dir`, subfolders included (`scenarios/regressions/`)
/// except a `pending/` one ([`PENDING_DIR`]).
fn toml_files_under(dir: &Path) -> Result<Vec<PathBuf>, ScenarioError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ScenarioError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut found = Vec::new();
    for path in entries.filter_map(Result::ok).map(|e| e.path()) {
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name == PENDING_DIR) {
                continue;
            }
            found.extend(toml_files_under(&path)?);
        } else if path.extension().is_some_and(|ext| ext == "toml") {
            found.push(path);
        }
    }
    Ok(found)
}

fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

fn validate(scenario: &Scenario, text: &str, path: &Path) -> Result<(), ScenarioError> {
    let invalid = |offset: usize, field: &str, message: String| ScenarioError::Invalid {
        path: path.to_path_buf(),
        line: line_and_column(text, offset).0,
        field: field.to_owned(),
        message,
    };
    if scenario.duration.is_zero() {
        return Err(invalid(0, "duration", "must be longer than zero".into()));
    }
    if scenario.provider.accounts.is_empty() {
        return Err(invalid(
            0,
            "provider.accounts",
            "list at least one account".into(),
        ));
    }
    if scenario.provider.access_token_ttl.as_secs() < 1 {
        return Err(invalid(
            0,
            "provider.access_token_ttl",
            "must be at least 1s".into(),
        ));
    }
    if scenario.broker.instances == 0 {
        return Err(invalid(0, "broker.instances", "must be at least 1".into()));
    }
    if matches!(
        scenario.broker.store.as_str(),
        "postgres" | "sqlite" | "file"
    ) && scenario.mode == Mode::Sim
    {
        // A database runs on wall time; paused sim time would time it out.
        return Err(invalid(
            0,
            "broker.store",
            format!(
                "`{}` needs `mode = \"real\"`; sim fleets share `shared-memory`",
                scenario.broker.store
            ),
        ));
    }
    if let Err((field, message)) = super::gateway_validate::validate_gateway_settings(scenario) {
        return Err(invalid(0, &field, message));
    }
    for spanned in &scenario.timeline {
        let offset = spanned.span().start;
        let step = spanned.get_ref();
        if step.at > scenario.duration {
            return Err(invalid(
                offset,
                "timeline.at",
                "is after the run's `duration`".into(),
            ));
        }
        if step.every.is_some_and(|every| every.is_zero()) {
            return Err(invalid(
                offset,
                "timeline.every",
                "must be longer than zero".into(),
            ));
        }
        if let Err((field, message)) = step.action.validate(&Check::new(scenario)) {
            return Err(invalid(
                offset,
                &format!("timeline.action.{field}"),
                message,
            ));
        }
    }
    Ok(())
}
