//! `skew_clock` and `jump_clock`: the provider's, one instance's or every
//! clock moves. Real mode too: process brokers' clocks move through
//! libfaketime.

use super::{Check, Invalid, StepKind};
use crate::run::Stage;
use schemars::JsonSchema;
use serde::Deserialize;
use std::time::Duration;

/// Whose clock a clock step changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockOwner {
    /// The mock provider's clock.
    Provider,
    /// One broker instance's clock (`instance`).
    Broker,
    /// Every clock at once (the world moved on, e.g. after a laptop sleep).
    All,
}

/// Parameters of `skew_clock`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockSkew {
    /// Whose clock.
    pub of: ClockOwner,
    /// Which broker instance, for `of = "broker"` (default 0).
    #[serde(default)]
    pub instance: u32,
    /// How far from true time.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub by: Duration,
    /// Ahead of true time (`true`) or behind it (`false`).
    pub ahead: bool,
}

impl StepKind for ClockSkew {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.instance("skew_clock.instance", self.instance)
    }

    fn play(self, stage: &mut Stage<'_>) {
        for clock in stage.clocks_of(self.of, self.instance) {
            clock.skew(self.by, self.ahead);
        }
        stage.push_clock_offsets();
        let direction = if self.ahead { "ahead" } else { "behind" };
        stage.event(
            "skew_clock",
            format!(
                "{:?} clock {} {direction}",
                self.of,
                humantime::format_duration(self.by)
            ),
            None,
        );
    }
}

/// Parameters of `jump_clock`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockJump {
    /// Whose clock.
    pub of: ClockOwner,
    /// Which broker instance, for `of = "broker"` (default 0).
    #[serde(default)]
    pub instance: u32,
    /// How far.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub by: Duration,
    /// Forward (`true`, the default) or backward.
    #[serde(default = "yes")]
    pub forward: bool,
}

fn yes() -> bool {
    true
}

impl StepKind for ClockJump {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.instance("jump_clock.instance", self.instance)
    }

    fn play(self, stage: &mut Stage<'_>) {
        for clock in stage.clocks_of(self.of, self.instance) {
            clock.jump(self.by, self.forward);
        }
        stage.push_clock_offsets();
        let direction = if self.forward { "forward" } else { "back" };
        stage.event(
            "jump_clock",
            format!(
                "{:?} clock jumped {} {direction}",
                self.of,
                humantime::format_duration(self.by)
            ),
            None,
        );
    }
}
