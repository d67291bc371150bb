//! Validation of the gateway settings against the scenario, naming the
//! field that is wrong (the loader adds file and line).

use super::Mode;
use super::model::Scenario;

type Invalid = (String, String);

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
