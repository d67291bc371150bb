//! Per-thread copies of cached tokens, for the by-name hot path.
//!
//! [`TokenBroker::access_token`](crate::TokenBroker::access_token) hands out an owned
//! token, whose clone bumps a reference count. With one shared copy per account,
//! every core bumps the same count and the cache line bounces between cores: two
//! threads on one account were 4x slower per call than one. So each thread keeps its
//! own copy of each account's token (a separate allocation, hence a thread-private
//! count) together with the epoch of the slot it was copied from.
//!
//! Staleness: the slot bumps its epoch (release) after every change of its cached
//! token (refresh, rotation, revocation, needs-reauth, a 401, re-consent). The hot
//! path compares that epoch (one acquire load) with the copy's before serving, so once
//! a change has been published no thread serves the old token. The copy is taken
//! *after* reading the epoch, so a change racing with the copy at worst makes the next
//! call copy again.
//!
//! Memory: one entry per (broker, account) a thread has served, holding the epoch
//! cell and a copy of the access token, never the slot or the refresh token. Tables of
//! dropped brokers are purged when the thread next meets a new broker.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::SystemTime;

use rustc_hash::FxHashMap;

use super::slot::CachedToken;
use super::token_broker::Inner;
use crate::secret::AccessToken;

thread_local! {
    static LOCAL: RefCell<LocalTokens> = const { RefCell::new(LocalTokens { brokers: Vec::new() }) };
}

/// Brokers this thread has served; almost always one.
struct LocalTokens {
    brokers: Vec<BrokerTable>,
}

struct BrokerTable {
    broker_id: u64,
    /// Only to notice the broker is gone; never upgraded on the hot path.
    broker: Weak<Inner>,
    accounts: FxHashMap<Box<str>, LocalToken>,
}

/// This thread's copy of one account's cached token.
struct LocalToken {
    epoch_cell: Arc<AtomicU64>,
    /// The epoch read before the copy was taken.
    epoch: u64,
    copy: Option<LocalCopy>,
}

struct LocalCopy {
    access_token: AccessToken,
    refresh_at: SystemTime,
    received_at: SystemTime,
}

impl LocalCopy {
    fn of(cached: &CachedToken) -> Self {
        Self {
            // A deep copy: its reference count belongs to this thread.
            access_token: AccessToken::new(cached.access_token.expose_secret()),
            refresh_at: cached.refresh_at,
            received_at: cached.received_at,
        }
    }
}

/// This thread's copy of the token for `account` if it is fresh at `now`, after
/// checking the slot's epoch. `None` means take the slow path: no token, a token due
/// for refresh, an account not in the broker's map yet, or a thread shutting down.
#[inline]
pub(super) fn fresh(inner: &Arc<Inner>, account: &str, now: SystemTime) -> Option<AccessToken> {
    LOCAL
        .try_with(|local| match local.try_borrow_mut() {
            Ok(mut local) => local.fresh(inner, account, now),
            // Re-entered (cannot happen today: nothing inside calls out); be safe.
            Err(_) => None,
        })
        // The thread's locals are being destroyed: no cache, not an error.
        .unwrap_or(None)
}

impl LocalTokens {
    #[inline]
    fn fresh(&mut self, inner: &Arc<Inner>, account: &str, now: SystemTime) -> Option<AccessToken> {
        let table = self.table(inner);
        if let Some(local) = table.accounts.get_mut(account) {
            let epoch = local.epoch_cell.load(Ordering::Acquire);
            if epoch != local.epoch {
                local.recopy(inner, account, epoch);
            }
            return local.serve(now);
        }
        let slot = inner.slot(account)?;
        let epoch_cell = slot.epoch_cell();
        let epoch = epoch_cell.load(Ordering::Acquire);
        let local = LocalToken {
            epoch_cell,
            epoch,
            copy: slot.cached().as_deref().map(LocalCopy::of),
        };
        let lookup = local.serve(now);
        table.accounts.insert(account.into(), local);
        lookup
    }

    #[inline]
    fn table(&mut self, inner: &Arc<Inner>) -> &mut BrokerTable {
        let found = self
            .brokers
            .iter()
            .position(|table| table.broker_id == inner.id);
        let index = match found {
            Some(index) => index,
            None => {
                self.brokers.retain(|table| table.broker.strong_count() > 0);
                self.brokers.push(BrokerTable {
                    broker_id: inner.id,
                    broker: Arc::downgrade(inner),
                    accounts: FxHashMap::default(),
                });
                self.brokers.len() - 1
            }
        };
        &mut self.brokers[index]
    }
}

impl LocalToken {
    #[inline]
    fn serve(&self, now: SystemTime) -> Option<AccessToken> {
        let copy = self.copy.as_ref()?;
        // As `CachedToken::is_fresh`: a clock reading before receipt is not trusted.
        (copy.received_at <= now && now < copy.refresh_at).then(|| copy.access_token.clone())
    }

    /// The slot changed since the copy was taken: copy again.
    #[cold]
    fn recopy(&mut self, inner: &Inner, account: &str, epoch: u64) {
        self.epoch = epoch;
        let Some(slot) = inner.slot(account) else {
            self.copy = None;
            return;
        };
        self.copy = slot.cached().as_deref().map(LocalCopy::of);
    }
}
