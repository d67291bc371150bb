use crate::state::{ConsentMode, Grant, RevocationCause};
use crate::{GrantId, MockProvider};
use std::time::Duration;

/// The provider clock's offset from the injected clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockOffset {
    /// Provider time runs ahead by this much.
    Ahead(Duration),
    /// Provider time runs behind by this much.
    Behind(Duration),
}

impl ClockOffset {
    fn to_millis(self) -> i64 {
        let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        match self {
            Self::Ahead(d) => ms(d),
            Self::Behind(d) => -ms(d),
        }
    }

    fn from_millis(ms: i64) -> Self {
        let magnitude = Duration::from_millis(ms.unsigned_abs());
        if ms >= 0 {
            Self::Ahead(magnitude)
        } else {
            Self::Behind(magnitude)
        }
    }
}

/// Lifecycle events: what Google users, admins and Google itself do to
/// grants while a broker runs. Every one reads time through the provider
/// clock.
impl MockProvider {
    /// The user changes their password: every grant of `account` with a
    /// Gmail scope dies. Returns how many grants were revoked.
    ///
    /// ```
    /// # async fn example() {
    /// let provider = mock_provider::MockProvider::start().await;
    /// // The seeded grant carries gmail.readonly, so it dies.
    /// assert_eq!(provider.change_password("alice@example.com"), 1);
    /// # }
    /// ```
    pub fn change_password(&self, account: &str) -> usize {
        self.revoke_where(RevocationCause::PasswordChange, |g| {
            g.account == account && g.has_gmail_scope()
        })
    }

    /// The user removes one grant. False when it was unknown or dead.
    pub fn revoke_grant(&self, grant_id: &GrantId) -> bool {
        self.shared()
            .state
            .model()
            .revoke_grant(grant_id, RevocationCause::User)
    }

    /// Early invalidation: every access token of `account` stops working
    /// now, before its expiry; refresh tokens keep working. Returns how many
    /// tokens died.
    pub fn invalidate_access_tokens(&self, account: &str) -> usize {
        let mut model = self.shared().state.model();
        let grants: Vec<GrantId> = model
            .grants
            .values()
            .filter(|g| g.account == account)
            .map(|g| g.id.clone())
            .collect();
        grants.iter().map(|id| model.drop_access_tokens(id)).sum()
    }

    /// Session control (Workspace reauthentication policy): refreshes of
    /// `account`'s grants answer `invalid_grant` with `invalid_rapt` until
    /// the user consents again. Returns how many grants are affected.
    pub fn require_reauthentication(&self, account: &str) -> usize {
        let mut model = self.shared().state.model();
        let mut affected = 0;
        for grant in model.grants.values_mut() {
            if grant.account == account && !grant.revoked {
                grant.reauth_required = true;
                affected += 1;
            }
        }
        affected
    }

    /// Sets the provider clock's offset from the injected clock (replacing
    /// any earlier skew or jumps).
    ///
    /// ```
    /// use mock_provider::ClockOffset;
    /// use std::time::Duration;
    /// # async fn example() {
    /// let provider = mock_provider::MockProvider::start().await;
    /// provider.skew_clock(ClockOffset::Behind(Duration::from_secs(90)));
    /// assert_eq!(provider.clock_offset(), ClockOffset::Behind(Duration::from_secs(90)));
    /// # }
    /// ```
    pub fn skew_clock(&self, offset: ClockOffset) {
        self.shared()
            .state
            .provider_clock
            .set_offset_ms(offset.to_millis());
    }

    /// Moves provider time forward by `by` (on top of any skew): codes,
    /// access tokens and refresh tokens age at once.
    pub fn jump_clock(&self, by: Duration) {
        self.shared().state.provider_clock.jump(by);
    }

    /// The provider clock's current offset.
    pub fn clock_offset(&self) -> ClockOffset {
        ClockOffset::from_millis(self.shared().state.provider_clock.offset_ms())
    }

    /// Provider time now (injected clock plus offset).
    pub fn now(&self) -> std::time::SystemTime {
        self.shared().state.clock.now()
    }

    /// What the simulated user does on the consent screen from now on.
    pub fn set_consent(&self, mode: ConsentMode) {
        self.shared().state.model().consent_mode = mode;
    }

    /// Live grants of (`account`, `client_id`) holding a refresh token.
    pub fn live_refresh_grants(&self, account: &str, client_id: &str) -> Vec<Grant> {
        let model = self.shared().state.model();
        model
            .grants
            .values()
            .filter(|g| g.account == account && g.client_id == client_id)
            .filter(|g| g.offline && !g.revoked)
            .cloned()
            .collect()
    }

    fn revoke_where(&self, cause: RevocationCause, which: impl Fn(&Grant) -> bool) -> usize {
        let mut model = self.shared().state.model();
        let doomed: Vec<GrantId> = model
            .grants
            .values()
            .filter(|g| !g.revoked && which(g))
            .map(|g| g.id.clone())
            .collect();
        doomed
            .iter()
            .filter(|id| model.revoke_grant(id, cause))
            .count()
    }
}
