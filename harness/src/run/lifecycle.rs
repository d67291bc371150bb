//! Provider settings a scenario's `[provider]` table turns on for the
//! token lifecycle: rotation, Testing mode and the refresh-token limit.

use crate::scenario::Scenario;
use mock_provider::MockProviderBuilder;

/// Applies the scenario's lifecycle settings to the provider builder.
pub(super) fn provider_policy(
    mut builder: MockProviderBuilder,
    scenario: &Scenario,
) -> MockProviderBuilder {
    let settings = &scenario.provider;
    if let Some(grace) = settings.rotation_grace {
        builder = builder.rotate_refresh_tokens(grace);
    }
    if settings.testing_mode {
        builder = builder.testing_mode(true);
    }
    if let Some(limit) = settings.refresh_token_limit {
        builder = builder.refresh_token_limit(limit);
    }
    builder
}
