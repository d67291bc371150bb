use super::model::{Action, Scenario};
use crate::errors::ScenarioError;
use std::path::{Path, PathBuf};

/// Upper bound on callers in one step, so a typo can't exhaust memory.
const MAX_CALLERS: u32 = 100_000;

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

/// Expands files and folders (non-recursively, `*.toml`, sorted by name)
/// into scenario files, then loads each one.
pub fn load_paths(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Scenario)>, ScenarioError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|source| ScenarioError::Io {
                path: path.clone(),
                source,
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
                .collect();
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
        match &step.action {
            Action::TokenRequests {
                account,
                callers,
                instance,
                ..
            } => {
                if !scenario.provider.accounts.contains(account) {
                    return Err(invalid(
                        offset,
                        "timeline.action.token_requests.account",
                        format!("`{account}` is not in `provider.accounts`"),
                    ));
                }
                if *callers == 0 || *callers > MAX_CALLERS {
                    return Err(invalid(
                        offset,
                        "timeline.action.token_requests.callers",
                        format!("must be between 1 and {MAX_CALLERS}"),
                    ));
                }
                if *instance >= scenario.broker.instances {
                    return Err(invalid(
                        offset,
                        "timeline.action.token_requests.instance",
                        format!(
                            "no instance {instance}: `broker.instances` is {}",
                            scenario.broker.instances
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}
