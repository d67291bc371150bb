use super::{Fault, RequestFacts, Verdict};
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug)]
struct Mounted {
    id: u64,
    fault: Fault,
    applied: u64,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    mounted: Vec<Mounted>,
}

/// The faults mounted on one provider, in mount order.
#[derive(Debug, Clone, Default)]
pub(crate) struct FaultSet {
    inner: Arc<Mutex<Inner>>,
}

impl FaultSet {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn mount(&self, fault: Fault) -> FaultGuard {
        let mut inner = self.lock();
        inner.next_id += 1;
        let id = inner.next_id;
        inner.mounted.push(Mounted {
            id,
            fault,
            applied: 0,
        });
        FaultGuard {
            id,
            set: self.clone(),
            keep: false,
        }
    }

    /// Asks every mounted fault in order; the first that does not pass wins
    /// and its use is counted.
    pub(crate) fn evaluate(&self, facts: &RequestFacts) -> Verdict {
        let mut inner = self.lock();
        for mounted in inner.mounted.iter_mut() {
            let verdict = mounted.fault.decide(facts, mounted.applied);
            if verdict != Verdict::Pass {
                mounted.applied += 1;
                return verdict;
            }
        }
        Verdict::Pass
    }

    fn remove(&self, id: u64) {
        self.lock().mounted.retain(|m| m.id != id);
    }

    /// How many faults are mounted.
    pub(crate) fn len(&self) -> usize {
        self.lock().mounted.len()
    }
}

/// Keeps a mounted fault active; dropping it unmounts the fault.
#[derive(Debug)]
#[must_use = "dropping the guard unmounts the fault at once; call `keep()` to leave it mounted"]
pub struct FaultGuard {
    id: u64,
    set: FaultSet,
    keep: bool,
}

impl FaultGuard {
    /// Leaves the fault mounted for the provider's lifetime.
    pub fn keep(mut self) {
        self.keep = true;
    }

    /// How many requests this fault has shaped so far.
    pub fn applied(&self) -> u64 {
        self.set
            .lock()
            .mounted
            .iter()
            .find(|m| m.id == self.id)
            .map_or(0, |m| m.applied)
    }
}

impl Drop for FaultGuard {
    fn drop(&mut self) {
        if !self.keep {
            self.set.remove(self.id);
        }
    }
}
