//! Which gateway powers a scenario needs, and which a broker has: a step whose
//! power the broker lacks is skipped, and the invariants judging it are unknown.

use crate::broker::GatewayCapabilities;
use crate::scenario::Scenario;

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
        // The steps name the gateway power they need as the broker names it.
        match step.get_ref().action.needs() {
            Some("sign_in") => needed.sign_in = true,
            Some("service_accounts") => needed.service_accounts = true,
            Some("relay") => needed.relay = true,
            _ => {}
        }
    }
    needed
}

/// The names of the gateway powers `broker` has (`sign_in`,
/// `service_accounts`, `relay`), as steps name what they need.
pub(super) fn gateway_names(broker: &dyn crate::broker::BrokerInstance) -> Vec<&'static str> {
    broker
        .gateway()
        .map(|gateway| gateway.gateway_capabilities().names())
        .unwrap_or_default()
}
