//! A refused account that another process has since re-authorized.
//!
//! After `invalid_grant` an account needs the user, and its slot says so
//! without asking the provider again. But in a fleet the user may consent
//! through another process, which stores the new grant: this process must
//! not keep answering "needs re-auth" until it restarts. So a caller of a
//! refused account first reads the store; a newer grant that is not a
//! tombstone is adopted and served like any other. The refused refresh
//! token itself is never sent again.

use super::slot::{AccountSlot, CachedToken, Health};
use super::token_broker::Inner;
use crate::clock::Reading;
use std::sync::atomic::Ordering;
use std::time::SystemTime;

impl Inner {
    /// When the store holds a newer, live grant for a refused `slot`
    /// (another process completed a new consent), the slot takes it and no
    /// longer needs re-auth. A store that cannot be read changes nothing.
    pub(super) async fn adopt_reconsent(&self, slot: &AccountSlot) {
        let mut state = slot.refresh.lock().await;
        if !slot.needs_reauth() {
            return;
        }
        let Ok(Some(stored)) = self.store.load(&slot.account).await else {
            return;
        };
        if Some(stored.version) <= state.persisted_version || super::revoke::is_tombstone(&stored) {
            return;
        }
        tracing::info!(account = %slot.account, version = stored.version, "adopting a grant another process authorized");
        let cached = match (&stored.access_token, stored.expires_at) {
            (Some(access_token), Some(expires_at)) => Some(CachedToken::new(
                access_token.clone(),
                SystemTime::UNIX_EPOCH,
                self.refresh_at(&slot.account, state.generation, None, expires_at),
                expires_at,
                Reading::of(&*self.clock),
            )),
            _ => None,
        };
        state.persisted_version = Some(stored.version);
        state.grant = stored;
        state.attempts = 0;
        slot.publish(cached);
        *slot.health() = Health::default();
        slot.needs_reauth.store(false, Ordering::Release);
    }
}
