//! The user's browser and an attacker against the broker's authorization
//! flow (`authorize`, `forge_callback`), and an app's API call with a
//! token from the broker (`gmail_profile`).

use super::shared::OnAccount;
use super::{Check, Invalid, StepKind};
use crate::run::Stage;
use crate::run::play::auth_steps;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use schemars::JsonSchema;
use serde::Deserialize;

/// Parameters of `authorize`: the account that consents, on which instance.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct AuthorizeStep(pub OnAccount);

impl StepKind for AuthorizeStep {
    const NEEDS: Option<&'static str> = Some("authorization");

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        self.0.validate(check, "authorize")
    }

    fn play(self, stage: &mut Stage<'_>) {
        let OnAccount { account, instance } = self.0;
        if let Some(context) = stage.context(instance, &account) {
            stage.event(
                "authorize",
                format!("user consents on instance {instance}"),
                Some(account),
            );
            stage.spawn(auth_steps::authorize(context));
        }
    }
}

/// Which forged callback `forge_callback` hands over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ForgeKind {
    /// A genuine code with a `state` the broker never issued.
    WrongState,
    /// A callback the broker already completed, handed over again.
    Replayed,
    /// A code from the attacker's own session with the broker's live state
    /// (login CSRF / code injection); PKCE must make it fail.
    ForeignCode,
}

/// Parameters of `forge_callback`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgeCallbackStep {
    /// What kind of forgery.
    pub kind: ForgeKind,
    /// The account whose consent is forged.
    pub account: String,
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
}

impl StepKind for ForgeCallbackStep {
    const NEEDS: Option<&'static str> = Some("authorization");

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.account("forge_callback.account", &self.account)?;
        check.instance("forge_callback.instance", self.instance)
    }

    fn play(self, stage: &mut Stage<'_>) {
        if let Some(context) = stage.context(self.instance, &self.account) {
            stage.event(
                "forge_callback",
                format!(
                    "forged callback ({:?}) to instance {}",
                    self.kind, self.instance
                ),
                Some(self.account),
            );
            let rng = ChaCha8Rng::seed_from_u64(stage.rng.random());
            stage.spawn(auth_steps::forge_callback(context, self.kind, rng));
        }
    }
}

/// Parameters of `gmail_profile`: whose token, from which instance.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct GmailProfileStep(pub OnAccount);

impl StepKind for GmailProfileStep {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        self.0.validate(check, "gmail_profile")
    }

    fn play(self, stage: &mut Stage<'_>) {
        if let Some(context) = stage.context(self.0.instance, &self.0.account) {
            stage.spawn(auth_steps::gmail_profile(context));
        }
    }
}
