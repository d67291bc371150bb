use super::JournalEntry;
use super::index::{JournalIndex, Plan};
use crate::Capacity;
use crate::chunked_queue::ChunkedQueue;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex, MutexGuard};

/// The shared request journal: the newest entries up to its [`Capacity`]
/// (default [`Capacity::DEFAULT_JOURNAL`]), with a count of the ones it
/// dropped.
///
/// Cloning is cheap and every clone sees the same entries. Sequence numbers
/// count every request ever journaled, so after drops the first retained
/// entry's `seq` equals [`dropped`](Self::dropped); a reader that polls with
/// [`JournalQuery::since`](super::JournalQuery::since) notices a gap.
///
/// ```
/// # async fn example() {
/// let provider = mock_provider::MockProvider::start().await;
/// assert!(provider.journal().entries().is_empty());
/// assert_eq!(provider.journal().dropped(), 0);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Journal {
    store: Arc<Mutex<Store>>,
}

#[derive(Debug)]
pub(super) struct Store {
    /// Retained entries, oldest first, shared so readers copy them after
    /// the lock is released.
    entries: ChunkedQueue<Arc<JournalEntry>>,
    /// Sequence number of the next entry (= every entry ever recorded).
    next_seq: u64,
    capacity: Capacity,
    /// Set once the first entry was dropped (and a warning logged).
    warned_full: bool,
    pub(super) index: JournalIndex,
}

impl Default for Journal {
    fn default() -> Self {
        Self::with_capacity(Capacity::DEFAULT_JOURNAL)
    }
}

impl Store {
    /// Sequence number of the oldest retained entry.
    pub(super) fn first_retained(&self) -> u64 {
        self.next_seq - self.entries.len() as u64
    }

    /// The retained entry numbered `seq`, in O(1).
    pub(super) fn get(&self, seq: u64) -> Option<&Arc<JournalEntry>> {
        let index = seq.checked_sub(self.first_retained())?;
        self.entries.get(usize::try_from(index).ok()?)
    }

    /// The retained entries numbered `since` and later.
    pub(super) fn iter_since(&self, since: u64) -> impl Iterator<Item = &Arc<JournalEntry>> {
        let start = since.saturating_sub(self.first_retained());
        self.entries
            .iter_from(usize::try_from(start).unwrap_or(usize::MAX))
    }

    /// The entries numbered in `candidates` (ascending), from `since` on.
    pub(super) fn candidates_since<'a>(
        &'a self,
        plan: Plan<'a>,
        since: u64,
    ) -> Box<dyn Iterator<Item = &'a Arc<JournalEntry>> + 'a> {
        match plan {
            Plan::Empty => Box::new(std::iter::empty()),
            Plan::Scan => Box::new(self.iter_since(since)),
            Plan::Candidates(list) => {
                let start = list.partition_point(|seq| *seq < since);
                Box::new(list.iter_from(start).filter_map(|seq| self.get(*seq)))
            }
        }
    }
}

impl Journal {
    /// An empty journal keeping at most `capacity` entries.
    pub(crate) fn with_capacity(capacity: Capacity) -> Self {
        let entries = match capacity.limit() {
            Some(limit) => ChunkedQueue::with_expected_len(limit),
            None => ChunkedQueue::default(),
        };
        Self {
            store: Arc::new(Mutex::new(Store {
                entries,
                next_seq: 0,
                capacity,
                warned_full: false,
                index: JournalIndex::default(),
            })),
        }
    }

    /// Appends an entry, assigning its sequence number; when full, drops
    /// the oldest.
    pub(crate) fn record(&self, entry: impl Into<Arc<JournalEntry>>) {
        // Allocated before the lock; the dropped entry is freed after it.
        let mut entry = entry.into();
        let (evicted, first_drop) = {
            let mut store = self.lock();
            let evicted = match store.capacity.limit() {
                Some(limit) if store.entries.len() >= limit => store.entries.pop_front(),
                _ => None,
            };
            if let Some(oldest) = &evicted {
                store.index.remove_oldest(oldest);
            }
            if let Some(fresh) = Arc::get_mut(&mut entry) {
                fresh.seq = store.next_seq;
            }
            store.next_seq += 1;
            store.index.add(&entry);
            store.entries.push_back(entry);
            let first_drop = evicted.is_some() && !store.warned_full;
            store.warned_full |= first_drop;
            (evicted, first_drop)
        };
        drop(evicted);
        if first_drop {
            tracing::warn!(
                capacity = %self.capacity(),
                "the journal is full: its oldest entries are dropped from now on (counted in `dropped`)"
            );
        }
    }

    /// A copy of every retained entry, in arrival-completion order.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.snapshot().iter().map(|e| (**e).clone()).collect()
    }

    /// How many entries the journal holds now.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// True when the journal holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many requests were journaled in all, dropped ones included.
    pub fn total(&self) -> u64 {
        self.lock().next_seq
    }

    /// How many of the oldest entries were dropped to stay within the
    /// capacity. Zero when nothing was lost.
    pub fn dropped(&self) -> u64 {
        self.lock().first_retained()
    }

    /// How many entries the journal keeps.
    pub fn capacity(&self) -> Capacity {
        self.lock().capacity
    }

    /// SHA-256 (hex) over the canonical JSON of every retained entry.
    ///
    /// In sim mode the same seed gives the same hash: that is the
    /// determinism contract the harness tests (with an unbounded journal,
    /// so nothing is dropped).
    pub fn hash(&self) -> String {
        let mut hasher = Sha256::new();
        for entry in self.snapshot() {
            // Serializing a plain struct of strings, numbers and times cannot fail.
            let line = serde_json::to_vec(&*entry).unwrap_or_default();
            hasher.update(&line);
            hasher.update(b"\n");
        }
        hex::encode(hasher.finalize())
    }

    /// The retained entries, shared: the lock is held only to bump their
    /// reference counts.
    pub(super) fn snapshot(&self) -> Vec<Arc<JournalEntry>> {
        let store = self.lock();
        store.entries.iter_from(0).cloned().collect()
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Store> {
        // A panic while holding this lock cannot leave the store half
        // written (every mutation is a push or a pop), so a poisoned lock
        // is still usable.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}
