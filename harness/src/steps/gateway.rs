//! The gateway steps: a browser signs in through the broker (`sign_in`),
//! the mock rotates its signing key (`rotate_signing_key`), callers ask
//! for service-account tokens (`service_account_tokens`), relay consumers
//! ask the relay (`relay_requests`) and the relay goes down
//! (`relay_outage`). How they play is in `run/play/gateway.rs`.

use super::{Check, Invalid, StepKind};
use crate::run::Stage;
use crate::run::play::gateway as play;
use crate::scenario::SignInKind;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use schemars::JsonSchema;
use serde::Deserialize;
use std::time::Duration;

/// The shipped signing keys a `rotate_signing_key` step may name.
const ROTATABLE_KIDS: [&str; 2] = ["oauth-chaos-mock-2", "oauth-chaos-mock-3"];

/// Parameters of `sign_in`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInStep {
    /// What is handed over.
    pub kind: SignInKind,
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
}

impl StepKind for SignInStep {
    const NEEDS: Option<&'static str> = Some("sign_in");

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.instance("sign_in.instance", self.instance)
    }

    fn play(self, stage: &mut Stage<'_>) {
        let Some(instance) = stage.instance(self.instance) else {
            return;
        };
        let rng = ChaCha8Rng::seed_from_u64(stage.rng.random());
        stage.spawn(play::sign_in(
            instance,
            self.instance,
            self.kind,
            stage.world.provider.shared_handle(),
            stage.world.provider_clock.clone(),
            stage.sink.clone(),
            rng,
        ));
    }
}

/// Parameters of `rotate_signing_key`: the mock publishes a shipped key, signs
/// with it from now on, and (with `retire_old`) drops the previous signer.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSigningKey {
    /// A shipped key (`oauth-chaos-mock-2` or `-3`); default: the next one.
    #[serde(default)]
    pub kid: Option<String>,
    /// Retire the key that signed until now.
    #[serde(default)]
    pub retire_old: bool,
}

impl StepKind for RotateSigningKey {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, _check: &Check<'_>) -> Result<(), Invalid> {
        match &self.kid {
            Some(kid) if !ROTATABLE_KIDS.contains(&kid.as_str()) => Err((
                "rotate_signing_key.kid".into(),
                format!(
                    "`{kid}` is not a shipped key; use one of `{}`",
                    ROTATABLE_KIDS.join("`, `")
                ),
            )),
            _ => Ok(()),
        }
    }

    fn play(self, stage: &mut Stage<'_>) {
        stage.rotate_signing_key(self.kid, self.retire_old);
    }
}

/// Parameters of `service_account_tokens`: `callers` concurrent calls for a
/// service account's token, as `token_requests` does for a user account.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountTokens {
    /// The service account (one of `service_accounts`).
    pub account: String,
    /// How many concurrent callers.
    pub callers: u32,
    /// Callers start at seeded offsets within this window.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub spread: Duration,
    /// A subset of the service account's scopes (default: all of them).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Which broker instance (default 0).
    #[serde(default)]
    pub instance: u32,
}

impl StepKind for ServiceAccountTokens {
    const NEEDS: Option<&'static str> = Some("service_accounts");

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        let Some(account) = check
            .scenario
            .service_accounts
            .iter()
            .find(|a| a.account == self.account)
        else {
            return Err((
                "service_account_tokens.account".into(),
                format!("`{}` is not in `service_accounts`", self.account),
            ));
        };
        if let Some(scope) = self.scopes.iter().find(|s| !account.scopes.contains(s)) {
            return Err((
                "service_account_tokens.scopes".into(),
                format!("`{scope}` is not among `{}`'s scopes", account.account),
            ));
        }
        check.callers("service_account_tokens.callers", self.callers)?;
        check.instance("service_account_tokens.instance", self.instance)
    }

    fn play(self, stage: &mut Stage<'_>) {
        let Some(instance) = stage.instance(self.instance) else {
            return;
        };
        // Calls are recorded under who the token acts as at the provider,
        // so checkers match them with the journal's accounts.
        let acts_as = stage
            .scenario
            .service_accounts
            .iter()
            .find(|a| a.account == self.account)
            .map(|a| a.acts_as())
            .unwrap_or_else(|| self.account.clone());
        for _ in 0..self.callers {
            let delay = stage.random_within(self.spread);
            stage.spawn(play::service_account_call(
                instance.clone(),
                self.instance,
                (self.account.clone(), acts_as.clone()),
                self.scopes.clone(),
                delay,
                stage.world.provider_clock.clone(),
                stage.sink.clone(),
            ));
        }
    }
}

/// Parameters of `relay_requests`: `callers` concurrent token requests by one
/// consumer through its relay client.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RelayRequests {
    /// The consumer.
    pub consumer: String,
    /// How many concurrent calls.
    pub callers: u32,
    /// Calls start at seeded offsets within this window.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub spread: Duration,
}

impl StepKind for RelayRequests {
    const NEEDS: Option<&'static str> = Some("relay");

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        let Some(relay) = &check.scenario.relay else {
            return Err(("relay_requests".into(), "needs a `[relay]` table".into()));
        };
        if !relay.consumers.iter().any(|c| c.id == self.consumer) {
            return Err((
                "relay_requests.consumer".into(),
                format!("`{}` is not in `relay.consumers`", self.consumer),
            ));
        }
        check.callers("relay_requests.callers", self.callers)
    }

    fn play(self, stage: &mut Stage<'_>) {
        let Some(instance) = stage.instance(0) else {
            return;
        };
        for _ in 0..self.callers {
            let delay = stage.random_within(self.spread);
            stage.spawn(play::relay_call(
                instance.clone(),
                self.consumer.clone(),
                delay,
                stage.world.provider.shared_handle(),
                stage.world.provider_clock.clone(),
                stage.sink.clone(),
            ));
        }
    }
}

/// Parameters of `relay_outage`: the relay process is down for `for`, then
/// comes back (a restart: it keeps what its store committed).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RelayOutage {
    /// How long it stays down.
    #[serde(rename = "for", with = "humantime_serde")]
    #[schemars(with = "String")]
    pub duration: Duration,
}

impl StepKind for RelayOutage {
    const NEEDS: Option<&'static str> = Some("relay");

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        if check.scenario.relay.is_none() {
            return Err(("relay_outage".into(), "needs a `[relay]` table".into()));
        }
        Ok(())
    }

    fn play(self, stage: &mut Stage<'_>) {
        stage.relay_outage(self.duration);
    }
}
