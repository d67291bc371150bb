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
//! dropped brokers are purged when the thread next meets a new broker. A copy outlives
//! its token's revocation until the thread next asks for that account (or exits):
//! never served, but still in memory, like any clone a caller kept.
//!
//! [`PrivateCopy`] is the same copy-and-epoch scheme for an
//! [`AccountHandle`](crate::AccountHandle), which needs no table.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use rustc_hash::FxHashMap;

use super::slot::{AccountSlot, CachedToken};
use super::token_broker::Inner;
use crate::clock::Reading;
use crate::secret::AccessToken;

thread_local! {
    static LOCAL: RefCell<LocalTokens> = const {
        RefCell::new(LocalTokens { brokers: Vec::new(), last: None })
    };
}

/// Brokers this thread has served; almost always one.
struct LocalTokens {
    brokers: Vec<BrokerTable>,
    /// Where the entry served last sits: (broker id, table index, entry index). Most
    /// callers ask for the same account again; this skips hashing its name.
    last: Option<(u64, usize, usize)>,
}

struct BrokerTable {
    broker_id: u64,
    /// Only to notice the broker is gone; never upgraded on the hot path.
    broker: Weak<Inner>,
    /// Account name to index in `entries` (which only grows).
    index: FxHashMap<Box<str>, usize>,
    entries: Vec<LocalToken>,
}

/// This thread's copy of one account's cached token.
struct LocalToken {
    account: Box<str>,
    epoch_cell: Arc<AtomicU64>,
    /// The epoch read before the copy was taken.
    epoch: u64,
    copy: Option<LocalCopy>,
}

struct LocalCopy {
    access_token: AccessToken,
    refresh_at: SystemTime,
    received_at: SystemTime,
    refresh_by: Duration,
}

impl LocalCopy {
    /// As [`CachedToken::is_fresh`].
    #[inline]
    fn is_fresh(&self, now: Reading) -> bool {
        self.received_at <= now.wall && now.wall < self.refresh_at && now.mono < self.refresh_by
    }

    fn of(cached: &CachedToken) -> Self {
        Self {
            // A deep copy: its reference count belongs to this thread.
            access_token: AccessToken::new(cached.access_token.expose_secret()),
            refresh_at: cached.refresh_at,
            received_at: cached.received_at,
            refresh_by: cached.refresh_by,
        }
    }
}

/// This thread's copy of the token for `account` if it is fresh at `now`, after
/// checking the slot's epoch. `None` means take the slow path: no token, a token due
/// for refresh, an account not in the broker's map yet, or a thread shutting down.
#[inline]
pub(super) fn fresh(inner: &Arc<Inner>, account: &str, now: Reading) -> Option<AccessToken> {
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
    fn fresh(&mut self, inner: &Arc<Inner>, account: &str, now: Reading) -> Option<AccessToken> {
        let last = self.last;
        let (table, entry) = match last {
            Some((broker_id, table, entry))
                if broker_id == inner.id && self.is_entry_for(table, entry, account) =>
            {
                (table, entry)
            }
            _ => self.find(inner, account)?,
        };
        let local = self.entry(table, entry)?;
        let epoch = local.epoch_cell.load(Ordering::Acquire);
        if epoch != local.epoch {
            local.recopy(inner, epoch);
        }
        local.serve(now)
    }

    #[inline]
    fn is_entry_for(&self, table: usize, entry: usize, account: &str) -> bool {
        self.brokers
            .get(table)
            .and_then(|table| table.entries.get(entry))
            .is_some_and(|local| *local.account == *account)
    }

    #[inline]
    fn entry(&mut self, table: usize, entry: usize) -> Option<&mut LocalToken> {
        self.brokers.get_mut(table)?.entries.get_mut(entry)
    }

    /// Looks the account up by name, adding this thread's copy if the broker knows
    /// the account, and remembers it as the last one served.
    #[inline(never)]
    fn find(&mut self, inner: &Arc<Inner>, account: &str) -> Option<(usize, usize)> {
        let table_index = self.table(inner);
        let table = self.brokers.get_mut(table_index)?;
        let entry_index = match table.index.get(account) {
            Some(&index) => index,
            None => {
                let slot = inner.slot(account)?;
                let epoch_cell = slot.epoch_cell();
                let epoch = epoch_cell.load(Ordering::Acquire);
                table.entries.push(LocalToken {
                    account: account.into(),
                    epoch_cell,
                    epoch,
                    copy: slot.cached().as_deref().map(LocalCopy::of),
                });
                let index = table.entries.len() - 1;
                table.index.insert(account.into(), index);
                index
            }
        };
        self.last = Some((inner.id, table_index, entry_index));
        Some((table_index, entry_index))
    }

    /// The index of `inner`'s table, added (after purging dropped brokers) if new.
    fn table(&mut self, inner: &Arc<Inner>) -> usize {
        if let Some(index) = self
            .brokers
            .iter()
            .position(|table| table.broker_id == inner.id)
        {
            return index;
        }
        // Indices shift; `last` is set again by the caller.
        self.last = None;
        self.brokers.retain(|table| table.broker.strong_count() > 0);
        self.brokers.push(BrokerTable {
            broker_id: inner.id,
            broker: Arc::downgrade(inner),
            index: FxHashMap::default(),
            entries: Vec::new(),
        });
        self.brokers.len() - 1
    }
}

impl LocalToken {
    #[inline]
    fn serve(&self, now: Reading) -> Option<AccessToken> {
        let copy = self.copy.as_ref()?;
        // As `CachedToken::is_fresh`: a clock reading before receipt is not trusted.
        copy.is_fresh(now).then(|| copy.access_token.clone())
    }

    /// The slot changed since the copy was taken: copy again.
    #[cold]
    #[inline(never)]
    fn recopy(&mut self, inner: &Inner, epoch: u64) {
        self.epoch = epoch;
        let Some(slot) = inner.slot(&self.account) else {
            self.copy = None;
            return;
        };
        self.copy = slot.cached().as_deref().map(LocalCopy::of);
    }
}

/// An [`AccountHandle`](crate::AccountHandle)'s own copy of its account's token: the
/// same epoch check as the per-thread tables, without the lookup.
pub(super) struct PrivateCopy {
    /// The epoch read before the copy was taken.
    epoch: u64,
    copy: Option<LocalCopy>,
}

impl PrivateCopy {
    /// A fresh copy (never shared with another handle, so neither is its refcount).
    pub fn of(slot: &AccountSlot) -> Self {
        let epoch = slot.epoch();
        Self {
            epoch,
            copy: slot.cached().as_deref().map(LocalCopy::of),
        }
    }

    /// The copy if it is fresh at `now`, after checking `slot`'s epoch.
    #[inline]
    pub fn fresh(&mut self, slot: &AccountSlot, now: Reading) -> Option<&AccessToken> {
        if slot.epoch() != self.epoch {
            *self = Self::of(slot);
        }
        let copy = self.copy.as_ref()?;
        copy.is_fresh(now).then_some(&copy.access_token)
    }
}
