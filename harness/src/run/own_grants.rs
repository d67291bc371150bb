//! A fleet with a store each (`store = "memory"`, `instances` > 1): every
//! instance consents on its own, as separate deployments signing one user
//! in do, so each holds a grant no other instance can refresh or store.
//!
//! The provider then tells the instances apart by grant, and
//! `single_flight_refresh` judges each instance's own callers (one refresh
//! per expiry per instance), where a shared grant would make the three
//! stores' refreshes look like one fleet failing to coordinate.

use crate::broker::BrokerEnv;
use crate::scenario::Scenario;
use mock_provider::{GrantId, MockProvider};

/// True when each instance of the scenario's fleet has a store of its own.
pub(super) fn store_each(scenario: &Scenario) -> bool {
    scenario.broker.instances > 1 && scenario.broker.store == "memory"
}

/// Gives `env`'s instance its own grants: instance 0 keeps the seeded
/// ones, every other consents again for each account. Returns which grant
/// is whose. Call it for instance 0 first (before any other consents).
pub(super) fn assign(provider: &MockProvider, env: &mut BrokerEnv) -> Vec<(u32, GrantId)> {
    let instance = env.instance;
    if instance == 0 {
        let accounts: Vec<&str> = env.accounts.iter().map(|(a, _)| a.as_str()).collect();
        return provider
            .grants()
            .into_iter()
            .filter(|grant| accounts.contains(&grant.account.as_str()))
            .map(|grant| (0, grant.id))
            .collect();
    }
    let mut owned = Vec::new();
    for (account, refresh_token) in &mut env.accounts {
        if let Some((grant, token)) = provider.consent_again(account) {
            *refresh_token = token;
            owned.push((instance, grant));
        }
    }
    owned
}
