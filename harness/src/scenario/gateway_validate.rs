//! Validation of the gateway steps and settings against the scenario, naming the
//! field that is wrong (the loader adds file and line).

use super::model::Scenario;
use super::{Action, Mode};

/// The shipped signing keys a `rotate_signing_key` step may name.
const ROTATABLE_KIDS: [&str; 2] = ["oauth-chaos-mock-2", "oauth-chaos-mock-3"];

type Invalid = (String, String);

/// Checks a gateway step; other actions are the loader's.
pub(super) fn validate_gateway_action(
    scenario: &Scenario,
    action: &Action,
    max_callers: u32,
) -> Result<(), Invalid> {
    let instance_ok = |field: &str, instance: u32| {
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
    let callers_ok = |field: &str, callers: u32| {
        if callers == 0 || callers > max_callers {
            Err((
                field.to_owned(),
                format!("must be between 1 and {max_callers}"),
            ))
        } else {
            Ok(())
        }
    };
    match action {
        Action::SignIn(step) => instance_ok("sign_in.instance", step.instance),
        Action::RotateSigningKey(step) => match &step.kid {
            Some(kid) if !ROTATABLE_KIDS.contains(&kid.as_str()) => Err((
                "rotate_signing_key.kid".into(),
                format!(
                    "`{kid}` is not a shipped key; use one of `{}`",
                    ROTATABLE_KIDS.join("`, `")
                ),
            )),
            _ => Ok(()),
        },
        Action::ServiceAccountTokens(step) => {
            let Some(account) = scenario
                .service_accounts
                .iter()
                .find(|a| a.account == step.account)
            else {
                return Err((
                    "service_account_tokens.account".into(),
                    format!("`{}` is not in `service_accounts`", step.account),
                ));
            };
            if let Some(scope) = step.scopes.iter().find(|s| !account.scopes.contains(s)) {
                return Err((
                    "service_account_tokens.scopes".into(),
                    format!("`{scope}` is not among `{}`'s scopes", account.account),
                ));
            }
            callers_ok("service_account_tokens.callers", step.callers)?;
            instance_ok("service_account_tokens.instance", step.instance)
        }
        Action::RelayRequests(step) => {
            let Some(relay) = &scenario.relay else {
                return Err(("relay_requests".into(), "needs a `[relay]` table".into()));
            };
            if !relay.consumers.iter().any(|c| c.id == step.consumer) {
                return Err((
                    "relay_requests.consumer".into(),
                    format!("`{}` is not in `relay.consumers`", step.consumer),
                ));
            }
            callers_ok("relay_requests.callers", step.callers)
        }
        Action::RelayOutage(_) if scenario.relay.is_none() => {
            Err(("relay_outage".into(), "needs a `[relay]` table".into()))
        }
        _ => Ok(()),
    }
}

/// Checks `service_accounts` and `[relay]`: roles name known accounts,
/// consumers name known roles.
pub(super) fn validate_gateway_settings(scenario: &Scenario) -> Result<(), Invalid> {
    for (index, account) in scenario.service_accounts.iter().enumerate() {
        if account.scopes.is_empty() {
            return Err((
                format!("service_accounts[{index}].scopes"),
                "a service account needs at least one scope".into(),
            ));
        }
        if scenario.provider.accounts.contains(&account.account) {
            return Err((
                format!("service_accounts[{index}].account"),
                format!(
                    "`{}` is also a user account in `provider.accounts`",
                    account.account
                ),
            ));
        }
    }
    let Some(relay) = &scenario.relay else {
        return Ok(());
    };
    if scenario.mode == Mode::Real {
        return Err((
            "relay".into(),
            "the relay runs in process: use `mode = \"sim\"`".into(),
        ));
    }
    for (index, role) in relay.roles.iter().enumerate() {
        let known = scenario.provider.accounts.contains(&role.account)
            || scenario
                .service_accounts
                .iter()
                .any(|a| a.account == role.account);
        if !known {
            return Err((
                format!("relay.roles[{index}].account"),
                format!(
                    "`{}` is neither in `provider.accounts` nor in `service_accounts`",
                    role.account
                ),
            ));
        }
        if role.scopes.is_empty() {
            return Err((
                format!("relay.roles[{index}].scopes"),
                "a role needs at least one scope".into(),
            ));
        }
    }
    for (index, consumer) in relay.consumers.iter().enumerate() {
        if !relay.roles.iter().any(|r| r.name == consumer.role) {
            return Err((
                format!("relay.consumers[{index}].role"),
                format!("`{}` is not in `relay.roles`", consumer.role),
            ));
        }
    }
    Ok(())
}
