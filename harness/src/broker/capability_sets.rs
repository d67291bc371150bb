//! Named sets of [`Capabilities`]: what a checker needs or judges is one
//! constant (`Capabilities::STATUS`, `GMAIL.and(MAIL_HOOKS)`) instead of a
//! struct literal spelled out in every checker.

use super::Capabilities;

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
    pub const STATUS: Self = Self {
        status: true,
        ..Self::NONE
    };
    /// Restarts only.
    pub const RESTART: Self = Self {
        restart: true,
        ..Self::NONE
    };
    /// The authorization pair only.
    pub const AUTHORIZATION: Self = Self {
        authorization: true,
        ..Self::NONE
    };
    /// The mail facet only.
    pub const GMAIL: Self = Self {
        gmail: true,
        ..Self::NONE
    };
    /// Store faults only.
    pub const STORE_FAULTS: Self = Self {
        store_faults: true,
        ..Self::NONE
    };
    /// Everything the mail steps may need: the mail facet, the hooks inside
    /// it and crash points (what the email checkers judge the steps of).
    pub const MAIL_STEPS: Self = Self {
        gmail: true,
        mail_hooks: true,
        crash_points: true,
        ..Self::NONE
    };

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
