//! Which gateway powers a scenario needs, and which of them the broker lacks.

use crate::broker::{BrokerUnderTest, GatewayCapabilities};
use crate::scenario::{Action, Scenario};

/// The gateway powers `scenario`'s steps and invariants use.
pub fn needed_gateway(scenario: &Scenario) -> GatewayCapabilities {
    let mut needed = GatewayCapabilities::default();
    if scenario.invariants.id_token_verified.is_some() {
        needed.sign_in = true;
    }
    if scenario.relay.is_some()
        || scenario.invariants.no_credential_to_consumer.is_some()
        || scenario.invariants.relay_consumers_available.is_some()
    {
        needed.relay = true;
    }
    for step in &scenario.timeline {
        match step.get_ref().action {
            Action::SignIn(_) => needed.sign_in = true,
            Action::ServiceAccountTokens(_) => needed.service_accounts = true,
            Action::RelayRequests(_) | Action::RelayOutage(_) => needed.relay = true,
            _ => {}
        }
    }
    needed
}

/// The gateway powers `scenario` needs that `broker` lacks, by name.
pub(super) fn missing_gateway(
    scenario: &Scenario,
    broker: &dyn BrokerUnderTest,
) -> Vec<&'static str> {
    let have = broker
        .gateway()
        .map(|gateway| gateway.gateway_capabilities())
        .unwrap_or_default();
    needed_gateway(scenario).missing(&have)
}
