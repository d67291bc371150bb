use super::JournalEntry;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex, MutexGuard};

/// The shared, append-only request journal.
///
/// Cloning is cheap and every clone sees the same entries.
///
/// ```
/// # async fn example() {
/// let provider = mock_provider::MockProvider::start().await;
/// assert!(provider.journal().entries().is_empty());
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Journal {
    entries: Arc<Mutex<Vec<JournalEntry>>>,
}

impl Journal {
    /// Appends an entry, assigning its sequence number.
    pub(crate) fn record(&self, mut entry: JournalEntry) {
        let mut entries = self.lock();
        entry.seq = entries.len() as u64;
        entries.push(entry);
    }

    /// A copy of every entry so far, in arrival-completion order.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.lock().clone()
    }

    /// How many requests were journaled.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when no request was journaled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// SHA-256 (hex) over the canonical JSON of every entry.
    ///
    /// In sim mode the same seed gives the same hash: that is the
    /// determinism contract the harness tests.
    pub fn hash(&self) -> String {
        let mut hasher = Sha256::new();
        for entry in self.lock().iter() {
            // Serializing a plain struct of strings, numbers and times cannot fail.
            let line = serde_json::to_vec(entry).unwrap_or_default();
            hasher.update(&line);
            hasher.update(b"\n");
        }
        hex::encode(hasher.finalize())
    }

    fn lock(&self) -> MutexGuard<'_, Vec<JournalEntry>> {
        // A panic while holding this lock cannot leave a half-written Vec
        // (push is the only mutation), so a poisoned lock is still usable.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}
