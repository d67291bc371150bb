//! `skew_clock` and `jump_clock`: the provider's, one instance's or every
//! clock moves. Real mode too: process brokers' clocks move through
//! libfaketime.

use super::{Check, Invalid, StepKind};
use crate::run::Stage;
use crate::sim::SimClock;
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
        let direction = if self.ahead { "ahead" } else { "behind" };
        let what = format!(
            "{:?} clock {} {direction}",
            self.of,
            humantime::format_duration(self.by)
        );
        move_clocks(stage, self.of, self.instance, "skew_clock", what, |clock| {
            clock.skew(self.by, self.ahead);
        });
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
        let direction = if self.forward { "forward" } else { "back" };
        let what = format!(
            "{:?} clock jumped {} {direction}",
            self.of,
            humantime::format_duration(self.by)
        );
        move_clocks(stage, self.of, self.instance, "jump_clock", what, |clock| {
            clock.jump(self.by, self.forward);
        });
    }
}

/// Moves the clocks `of` names, hands process brokers their new offsets,
/// and records the event.
fn move_clocks(
    stage: &mut Stage<'_>,
    of: ClockOwner,
    instance: u32,
    kind: &'static str,
    what: String,
    change: impl Fn(&SimClock),
) {
    for clock in stage.clocks_of(of, instance) {
        change(&clock);
    }
    stage.push_clock_offsets();
    stage.event(kind, what, None);
}
