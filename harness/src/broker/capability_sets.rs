//! Named sets of [`Capabilities`]: what a checker needs or judges is one
//! constant (`Capabilities::STATUS`, `STATUS.and(STORE_FAULTS)`) instead of a
//! struct literal spelled out in every checker.

use super::Capabilities;

/// The set with just these fields true (inside `impl Capabilities`).
macro_rules! only {
    ($($field:ident),+) => {
        Self { $($field: true,)+ ..Self::NONE }
    };
}

impl Capabilities {
    /// No capability at all.
    pub const NONE: Self = Self {
        access_token: false,
        status: false,
        restart: false,
        authorization: false,
        gmail: false,
        store_faults: false,
        mail_hooks: false,
        crash_points: false,
    };
    /// `status()` only.
    pub const STATUS: Self = only!(status);
    /// Restarts only.
    pub const RESTART: Self = only!(restart);
    /// The authorization pair only.
    pub const AUTHORIZATION: Self = only!(authorization);
    /// The mail facet only.
    pub const GMAIL: Self = only!(gmail);
    /// Store faults only.
    pub const STORE_FAULTS: Self = only!(store_faults);
    /// Everything the mail steps may need: the mail facet, the hooks inside
    /// it and crash points (what the email checkers judge the steps of).
    pub const MAIL_STEPS: Self = only!(gmail, mail_hooks, crash_points);

    /// Every capability of `self` or of `other`.
    ///
    /// ```
    /// use harness::broker::Capabilities;
    /// let both = Capabilities::STATUS.and(Capabilities::STORE_FAULTS);
    /// assert_eq!(both.names(), vec!["status", "store_faults"]);
    /// ```
    pub const fn and(self, other: Self) -> Self {
        Self {
            access_token: self.access_token || other.access_token,
            status: self.status || other.status,
            restart: self.restart || other.restart,
            authorization: self.authorization || other.authorization,
            gmail: self.gmail || other.gmail,
            store_faults: self.store_faults || other.store_faults,
            mail_hooks: self.mail_hooks || other.mail_hooks,
            crash_points: self.crash_points || other.crash_points,
        }
    }
}
