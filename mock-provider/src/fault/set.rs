use super::{Fault, FaultAction, RequestFacts, Verdict};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug)]
struct Mounted {
    id: u64,
    fault: Fault,
    matched: u64,
    applied: u64,
}

#[derive(Debug)]
struct Inner {
    next_id: u64,
    mounted: Vec<Mounted>,
    /// One generator for every probability and latency draw, so a seed
    /// replays the same faults in the same order.
    rng: ChaCha8Rng,
}

/// What the mounted faults do to one request.
#[derive(Debug, Default)]
pub(crate) struct Decision {
    /// Every applied fault's label, in mount order.
    pub labels: Vec<String>,
    /// The sum of the applied delays.
    pub delay: std::time::Duration,
    /// The one non-delay action, if a fault with one applied.
    pub action: Option<FaultAction>,
}

impl Decision {
    /// The journal's `fault` field: the labels joined, `None` if no fault
    /// applied.
    pub fn label(&self) -> Option<String> {
        (!self.labels.is_empty()).then(|| self.labels.join(" + "))
    }
}

/// The faults mounted on one provider, in mount order.
#[derive(Debug, Clone)]
pub(crate) struct FaultSet {
    inner: Arc<Mutex<Inner>>,
}

impl Default for FaultSet {
    fn default() -> Self {
        Self::with_seed(0)
    }
}

/// A mounted fault as listed by the admin API.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct MountedFault {
    pub id: u64,
    pub label: String,
    pub applied: u64,
}

impl FaultSet {
    pub(crate) fn with_seed(seed: u64) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                next_id: 0,
                mounted: Vec::new(),
                // Offset so fault draws differ from token minting on the same seed.
                rng: ChaCha8Rng::seed_from_u64(seed ^ 0xFA17_5EED),
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn mount(&self, fault: Fault) -> FaultGuard {
        FaultGuard {
            id: self.mount_kept(fault),
            set: self.clone(),
            keep: false,
        }
    }

    /// Mounts a fault with no guard (the admin API removes it by id).
    pub(crate) fn mount_kept(&self, fault: Fault) -> u64 {
        let mut inner = self.lock();
        inner.next_id += 1;
        let id = inner.next_id;
        inner.mounted.push(Mounted {
            id,
            fault,
            matched: 0,
            applied: 0,
        });
        id
    }

    /// Asks every mounted fault in order. Delays stack (a latency fault is
    /// a property of the path, like a toxiproxy toxic): every delay that
    /// applies adds up and the asking goes on; the first fault with any
    /// other action ends it, so a request can be held and then answered
    /// 503. Each fault that applies is counted. Latencies are drawn here, so
    /// the returned delay is fixed.
    pub(crate) fn evaluate(&self, facts: &RequestFacts) -> Decision {
        let mut decision = Decision::default();
        let mut inner = self.lock();
        let Inner { mounted, rng, .. } = &mut *inner;
        for mounted in mounted.iter_mut() {
            if !mounted.fault.targets(facts) {
                continue;
            }
            let verdict = mounted.fault.decide(mounted.matched, mounted.applied, rng);
            mounted.matched += 1;
            let Verdict::Apply { label, action } = verdict else {
                continue;
            };
            mounted.applied += 1;
            decision.labels.push(label);
            match action {
                FaultAction::Delay(latency) => {
                    decision.delay += latency.sample(rng);
                }
                other => {
                    decision.action = Some(other);
                    break;
                }
            }
        }
        decision
    }

    /// Unmounts fault `id`; false when no such fault is mounted.
    pub(crate) fn remove(&self, id: u64) -> bool {
        let mut inner = self.lock();
        let before = inner.mounted.len();
        inner.mounted.retain(|m| m.id != id);
        inner.mounted.len() != before
    }

    /// How many faults are mounted.
    pub(crate) fn len(&self) -> usize {
        self.lock().mounted.len()
    }

    /// The mounted faults, in mount order.
    pub(crate) fn list(&self) -> Vec<MountedFault> {
        self.lock()
            .mounted
            .iter()
            .map(|m| MountedFault {
                id: m.id,
                label: m.fault.label(),
                applied: m.applied,
            })
            .collect()
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

    /// The fault's id (as used by the admin API).
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl Drop for FaultGuard {
    fn drop(&mut self) {
        if !self.keep {
            self.set.remove(self.id);
        }
    }
}
