//! What Google or the user does to an account's grants: revoke them,
//! change the password, invalidate access tokens early, consent on other
//! devices until the per-client limit evicts the oldest grants.

use super::{Check, Invalid, StepKind};
use crate::run::Stage;
use crate::run::play::auth_steps;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use schemars::JsonSchema;
use serde::Deserialize;

/// Parameters of `revoke_account`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeAccount {
    /// The account.
    pub account: String,
}

impl StepKind for RevokeAccount {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.account("revoke_account.account", &self.account)
    }

    fn play(self, stage: &mut Stage<'_>) {
        let grants = stage.world.provider.revoke_account(&self.account);
        stage.event(
            "revoke_account",
            format!("revoked {grants} grant(s) of {}", self.account),
            Some(self.account),
        );
    }
}

/// Parameters of `change_password`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    /// The account.
    pub account: String,
}

impl StepKind for ChangePassword {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.account("change_password.account", &self.account)
    }

    fn play(self, stage: &mut Stage<'_>) {
        let grants = stage.world.provider.change_password(&self.account);
        stage.event(
            "change_password",
            format!("password change revoked {grants} grant(s)"),
            Some(self.account),
        );
    }
}

/// Parameters of `invalidate_access_tokens`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InvalidateAccessTokens {
    /// The account.
    pub account: String,
}

impl StepKind for InvalidateAccessTokens {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.account("invalidate_access_tokens.account", &self.account)
    }

    fn play(self, stage: &mut Stage<'_>) {
        let tokens = stage.world.provider.invalidate_access_tokens(&self.account);
        stage.event(
            "invalidate_access_tokens",
            format!("{tokens} access token(s) invalidated early"),
            Some(self.account),
        );
    }
}

/// Parameters of `evict_by_limit`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvictByLimit {
    /// The account.
    pub account: String,
    /// How many extra grants to issue.
    pub grants: u32,
}

impl StepKind for EvictByLimit {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.account("evict_by_limit.account", &self.account)?;
        check.callers("evict_by_limit.grants", self.grants)
    }

    fn play(self, stage: &mut Stage<'_>) {
        if let Some(context) = stage.context(0, &self.account) {
            stage.event(
                "evict_by_limit",
                format!("{} more grant(s) issued on another device", self.grants),
                Some(self.account),
            );
            let rng = ChaCha8Rng::seed_from_u64(stage.rng.random());
            stage.spawn(auth_steps::issue_grants(context, self.grants, rng));
        }
    }
}
