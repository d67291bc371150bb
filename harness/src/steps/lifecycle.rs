//! What Google or the user does to an account's grants: revoke them,
//! change the password, invalidate access tokens early, consent on other
//! devices until the per-client limit evicts the oldest grants.

use super::shared::Account;
use super::{Check, Invalid, StepKind};
use crate::run::Stage;
use crate::run::play::auth_steps;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use schemars::JsonSchema;
use serde::Deserialize;

/// Parameters of `revoke_account`: whose grants.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct RevokeAccount(pub Account);

impl StepKind for RevokeAccount {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        self.0.validate(check, "revoke_account")
    }

    fn play(self, stage: &mut Stage<'_>) {
        let account = self.0.account;
        let grants = stage.world.provider.revoke_account(&account);
        let what = format!("revoked {grants} grant(s) of {account}");
        stage.event("revoke_account", what, Some(account));
    }
}

/// Parameters of `change_password`: whose password.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct ChangePassword(pub Account);

impl StepKind for ChangePassword {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        self.0.validate(check, "change_password")
    }

    fn play(self, stage: &mut Stage<'_>) {
        let account = self.0.account;
        let grants = stage.world.provider.change_password(&account);
        let what = format!("password change revoked {grants} grant(s)");
        stage.event("change_password", what, Some(account));
    }
}

/// Parameters of `invalidate_access_tokens`: whose access tokens.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct InvalidateAccessTokens(pub Account);

impl StepKind for InvalidateAccessTokens {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        self.0.validate(check, "invalidate_access_tokens")
    }

    fn play(self, stage: &mut Stage<'_>) {
        let account = self.0.account;
        let tokens = stage.world.provider.invalidate_access_tokens(&account);
        let what = format!("{tokens} access token(s) invalidated early");
        stage.event("invalidate_access_tokens", what, Some(account));
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
