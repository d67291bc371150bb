use super::action::Action;
use super::model::{Mode, Scenario};
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
        if let Err((field, message)) = validate_action(scenario, &step.action) {
            return Err(invalid(
                offset,
                &format!("timeline.action.{field}"),
                message,
            ));
        }
    }
    Ok(())
}

/// Checks one action against the scenario; the error is (field path, message).
fn validate_action(scenario: &Scenario, action: &Action) -> Result<(), (String, String)> {
    let known_account = |field: &str, account: &str| {
        if scenario.provider.accounts.iter().any(|a| a == account) {
            Ok(())
        } else {
            Err((
                field.to_owned(),
                format!("`{account}` is not in `provider.accounts`"),
            ))
        }
    };
    let known_instance = |field: &str, instance: u32| {
        if instance < scenario.broker.instances {
            Ok(())
        } else {
            Err((
                field.to_owned(),
                format!(
                    "no instance {instance}: `broker.instances` is {}",
                    scenario.broker.instances
                ),
            ))
        }
    };
    let sim_only = |field: &str| {
        if scenario.mode == Mode::Sim {
            Ok(())
        } else {
            Err((
                field.to_owned(),
                "pauses need `mode = \"sim\"` (a real-mode process cannot be frozen)".to_owned(),
            ))
        }
    };
    match action {
        Action::TokenRequests(requests) => {
            known_account("token_requests.account", &requests.account)?;
            if requests.callers == 0 || requests.callers > MAX_CALLERS {
                return Err((
                    "token_requests.callers".into(),
                    format!("must be between 1 and {MAX_CALLERS}"),
                ));
            }
            known_instance("token_requests.instance", requests.instance)
        }
        Action::RevokeAccount { account } => known_account("revoke_account.account", account),
        Action::Fault(fault) => {
            if let Some(account) = &fault.account {
                known_account("fault.account", account)?;
            }
            match (fault.status, fault.delay) {
                (Some(_), _) | (_, Some(_)) if fault.connection.is_some() => Err((
                    "fault.connection".into(),
                    "a fault that drops the connection neither answers (`status`) nor delays (`delay`)".into(),
                )),
                (None, None) if fault.connection.is_some() => Ok(()),
                (None, None) => Err((
                    "fault.status".into(),
                    "give a `status` to answer with, a `delay` to hold requests, or a `connection` fault".into(),
                )),
                (Some(_), Some(_)) => Err((
                    "fault.delay".into(),
                    "a fault either answers (`status`) or delays (`delay`), not both".into(),
                )),
                (Some(status), None) if !(100..=599).contains(&status) => Err((
                    "fault.status".into(),
                    format!("`{status}` is not an http status"),
                )),
                _ => Ok(()),
            }
        }
        // Real mode too: process brokers' clocks move through libfaketime.
        Action::SkewClock(skew) => known_instance("skew_clock.instance", skew.instance),
        Action::JumpClock(jump) => known_instance("jump_clock.instance", jump.instance),
        Action::Pause(pause) => {
            sim_only("pause")?;
            known_instance("pause.instance", pause.instance)
        }
        Action::StatusPoll(poll) => match poll.instance {
            Some(instance) => known_instance("status_poll.instance", instance),
            None => Ok(()),
        },
        Action::Restart { instance } => known_instance("restart.instance", *instance),
        Action::Sync(sync) => {
            known_account("sync.account", &sync.account)?;
            known_instance("sync.instance", sync.instance)
        }
        Action::Send(send) => {
            known_account("send.account", &send.account)?;
            known_instance("send.instance", send.instance)
        }
        Action::MailboxAdd(change) => known_account("mailbox_add.account", &change.account),
        Action::MailboxDelete(change) => known_account("mailbox_delete.account", &change.account),
        Action::MailboxRelabel(change) => known_account("mailbox_relabel.account", &change.account),
        Action::ExpireHistory { account } => known_account("expire_history.account", account),
        Action::CrashSync(crash) => {
            known_account("crash_sync.account", &crash.account)?;
            known_instance("crash_sync.instance", crash.instance)
        }
        Action::GmailFault(fault) => {
            super::email_action::validate_gmail_fault(fault, known_account)
        }
        Action::MailStoreFault(fault) => {
            known_instance("mail_store_fault.instance", fault.instance)
        }
        Action::Authorize(step) => {
            known_account("authorize.account", &step.account)?;
            known_instance("authorize.instance", step.instance)
        }
        Action::ForgeCallback(step) => {
            known_account("forge_callback.account", &step.account)?;
            known_instance("forge_callback.instance", step.instance)
        }
        Action::ChangePassword { account } => known_account("change_password.account", account),
        Action::InvalidateAccessTokens { account } => {
            known_account("invalidate_access_tokens.account", account)
        }
        Action::EvictByLimit { account, grants } => {
            known_account("evict_by_limit.account", account)?;
            if *grants == 0 || *grants > MAX_CALLERS {
                return Err((
                    "evict_by_limit.grants".into(),
                    format!("must be between 1 and {MAX_CALLERS}"),
                ));
            }
            Ok(())
        }
        Action::GmailProfile(step) => {
            known_account("gmail_profile.account", &step.account)?;
            known_instance("gmail_profile.instance", step.instance)
        }
        Action::StoreOutage(toggle) => known_instance("store_outage.instance", toggle.instance),
        Action::StoreReadOnly(toggle) => {
            known_instance("store_read_only.instance", toggle.instance)
        }
        Action::StoreFailAfter(step) => known_instance("store_fail_after.instance", step.instance),
        Action::CronRefreshDue(_) if scenario.broker.store != "bucket" => Err((
            "cron_refresh_due".into(),
            "needs `store = \"bucket\"` in `[broker]`".into(),
        )),
        Action::CronRefreshDue(_) => Ok(()),
        Action::BucketFault(step) => {
            if scenario.broker.store != "bucket" {
                return Err((
                    "bucket_fault".into(),
                    "needs `store = \"bucket\"` in `[broker]`".into(),
                ));
            }
            if step.every == 0 {
                return Err(("bucket_fault.every".into(), "must be at least 1".into()));
            }
            let latency = step.fault == crate::scenario::BucketFaultKind::Latency;
            if latency != step.delay.is_some() {
                return Err((
                    "bucket_fault.delay".into(),
                    "is required for `latency` and only for it".into(),
                ));
            }
            Ok(())
        }
        gateway @ (Action::SignIn(_)
        | Action::RotateSigningKey(_)
        | Action::ServiceAccountTokens(_)
        | Action::RelayRequests(_)
        | Action::RelayOutage(_)) => {
            super::gateway_validate::validate_gateway_action(scenario, gateway, MAX_CALLERS)
        }
    }
}
