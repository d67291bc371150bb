//! The run's gateway setup: service accounts registered at the mock with a fixed
//! test key (whose private half the broker gets as a Google key file), consumer
//! credentials drawn from the seed, and the issuer and JWKS of the provider.

use crate::broker::{GatewaySetup, RelayConsumerKeyed, RelaySetup, ServiceAccountKeyed};
use crate::scenario::Scenario;
use mock_provider::{MockProvider, MockProviderBuilder};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use secrecy::SecretString;

/// The test service-account keypair (public on purpose: it is the mock's).
const SERVICE_ACCOUNT_PRIVATE_KEY: &str =
    include_str!("../../../mock-provider/tests/keys/service_account.pem");
const SERVICE_ACCOUNT_PUBLIC_KEY: &[u8] =
    include_bytes!("../../../mock-provider/tests/keys/service_account.pub.pem");

/// Registers the scenario's service accounts at the mock.
pub(super) fn register_service_accounts(
    mut builder: MockProviderBuilder,
    scenario: &Scenario,
) -> MockProviderBuilder {
    // The builder is consumed by a failed registration, so the shipped key is
    // tried on a throwaway builder first; it is a constant the tests parse.
    if let Err(error) = MockProvider::builder()
        .service_account("probe@oauth-chaos.invalid", SERVICE_ACCOUNT_PUBLIC_KEY)
    {
        tracing::error!(%error, "the shipped service-account key does not parse; no service accounts");
        return builder;
    }
    if scenario.relay.is_some() {
        // The relay's users consented to what the app declares; roles narrow it.
        builder = builder.scopes(scenario.broker.scopes.iter().cloned());
    }
    for account in &scenario.service_accounts {
        builder = match builder.service_account(account.email(), SERVICE_ACCOUNT_PUBLIC_KEY) {
            Ok(next) => next,
            // Unreachable: the same key parsed above.
            Err(_) => return MockProvider::builder(),
        };
    }
    builder
}

/// The setup every gateway binding reads from the run's registry.
pub(super) fn setup(scenario: &Scenario, provider: &MockProvider, seed: u64) -> GatewaySetup {
    let service_accounts = scenario
        .service_accounts
        .iter()
        .map(|account| {
            let key = serde_json::json!({
                "type": "service_account",
                "client_email": account.email(),
                "private_key_id": "oauth-chaos-test-key",
                "private_key": SERVICE_ACCOUNT_PRIVATE_KEY,
            });
            ServiceAccountKeyed {
                account: account.account.clone(),
                email: account.email(),
                subject: account.subject.clone(),
                scopes: account.scopes.clone(),
                key_json: SecretString::from(key.to_string()),
            }
        })
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0C0_5E7E);
    let relay = scenario.relay.as_ref().map(|relay| RelaySetup {
        roles: relay
            .roles
            .iter()
            .map(|role| (role.name.clone(), role.account.clone(), role.scopes.clone()))
            .collect(),
        consumers: relay
            .consumers
            .iter()
            .map(|consumer| {
                let mut bytes = [0u8; 24];
                rng.fill_bytes(&mut bytes);
                let random = base64::Engine::encode(
                    &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                    bytes,
                );
                RelayConsumerKeyed {
                    id: consumer.id.clone(),
                    role: consumer.role.clone(),
                    credential: SecretString::from(format!("relay-{}-{random}", consumer.id)),
                }
            })
            .collect(),
        alert_after: relay.alert_after,
    });
    GatewaySetup {
        issuer: provider.issuer(),
        jwks_url: provider.jwks_url(),
        service_accounts,
        relay,
    }
}

/// The private key's body lines, for scanning what consumers received.
pub(super) fn service_account_key_lines() -> impl Iterator<Item = &'static str> + Clone {
    SERVICE_ACCOUNT_PRIVATE_KEY
        .lines()
        .filter(|line| !line.starts_with("-----") && line.len() >= 32)
}
