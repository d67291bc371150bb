//! Mutants of the reference's gateway powers: the reference with one flaw in its
//! sign-in or its token relay, left in the run's registry before it is built.

use crate::broker::{
    BrokerEnv, BrokerFactory, BrokerFailure, RELAY_FLAWS, RelayFlaws, SIGN_IN_SUBSTITUTE,
    SignInSubstitute, build_reference,
};
use async_trait::async_trait;
use std::sync::Arc;

/// The gateway mutants' names.
pub(super) const GATEWAY_MUTANTS: [&str; 5] = [
    "trusts-id-token",
    "relay-leaks-refresh-token",
    "relay-ignores-roles",
    "relay-logs-credentials",
    "consumer-retry-loop",
];

/// The factory for a gateway mutant, if `name` is one.
pub(super) fn gateway_mutant(name: &str) -> Option<Arc<dyn BrokerFactory>> {
    GATEWAY_MUTANTS.contains(&name).then(|| {
        Arc::new(GatewayMutant {
            name: name.to_owned(),
        }) as Arc<dyn BrokerFactory>
    })
}

#[derive(Debug, Clone)]
struct GatewayMutant {
    name: String,
}

#[async_trait]
impl BrokerFactory for GatewayMutant {
    fn name(&self) -> String {
        format!("mutant:{}", self.name)
    }

    async fn build(
        &self,
        env: BrokerEnv,
    ) -> Result<Arc<dyn crate::broker::BrokerInstance>, BrokerFailure> {
        let flaws = match self.name.as_str() {
            "trusts-id-token" => {
                let trusting: SignInSubstitute = super::trusting_sign_in::substitute;
                env.shared.get_or_create(SIGN_IN_SUBSTITUTE, || trusting);
                RelayFlaws::default()
            }
            "relay-leaks-refresh-token" => RelayFlaws {
                leak_refresh_token: true,
                ..RelayFlaws::default()
            },
            "relay-ignores-roles" => RelayFlaws {
                ignore_roles: true,
                ..RelayFlaws::default()
            },
            "relay-logs-credentials" => RelayFlaws {
                logs_secrets: true,
                ..RelayFlaws::default()
            },
            _ => RelayFlaws {
                consumer_loops: true,
                ..RelayFlaws::default()
            },
        };
        env.shared.get_or_create(RELAY_FLAWS, || flaws);
        build_reference(env).await
    }
}
