//! The stage a step plays on: the world, the scenario, the run's seeded
//! generator, the record's sink and the tasks steps leave running, with
//! the few things many steps do (record an event, spawn a task, mount a
//! fault for a while, await a broker call and record its failure).

use crate::broker::{BrokerFailure, FailureKind};
use crate::record::{Event, FaultMounted, History, ServedToken, TimelineEvent};
use crate::run::world::{Instance, World};
use crate::scenario::{ClockOwner, Scenario};
use crate::sim::SimClock;
use mock_provider::{FaultSpec, Fingerprint};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};
use tokio::task::JoinHandle;

/// A broker call that takes longer than this (simulated in sim mode) is a timeout.
pub(crate) const CALL_TIMEOUT: Duration = Duration::from_secs(300);

/// Locks `mutex`, whether or not a panicking holder poisoned it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One part of the store at rest: its label and raw bytes.
type StorePart = (String, Vec<u8>);

/// Shared, append-only parts of the record that spawned tasks write to:
/// the run's one [`History`], and the mail, store and authorization
/// parts that are records of their own.
#[derive(Debug, Clone)]
pub(crate) struct Sink {
    /// The provider's clock: what a failure message is timed by.
    clock: SimClock,
    history: Arc<Mutex<History>>,
    pub email: Arc<Mutex<super::email::EmailLog>>,
    pub store_bytes: Arc<Mutex<Vec<StorePart>>>,
    pub auth: Arc<Mutex<crate::record::AuthRecord>>,
    pub gateway: Arc<Mutex<crate::record::GatewayRecord>>,
}

impl Sink {
    /// An empty sink timing what it records on `clock` (the provider's).
    pub(crate) fn new(clock: SimClock) -> Self {
        Sink {
            clock,
            history: Arc::default(),
            email: Arc::default(),
            store_bytes: Arc::default(),
            auth: Arc::default(),
            gateway: Arc::default(),
        }
    }

    /// Appends `event` to the history.
    pub(crate) fn push(&self, event: impl Into<Event>) {
        lock(&self.history).push(event);
    }

    /// Records a failure message at the provider's now.
    pub(crate) fn failure(&self, message: String) {
        let at = self.clock.now();
        self.push(Event::Failure { at, message });
    }

    /// Records the mount of a fault; returns its number, for the unmount.
    pub(crate) fn mounted(&self, mounted: FaultMounted) -> usize {
        let mut history = lock(&self.history);
        let fault = history.mount_count();
        history.push(Event::FaultMounted(mounted));
        fault
    }

    /// The history so far.
    pub(crate) fn history(&self) -> History {
        lock(&self.history).clone()
    }

    /// What a broker call that had `limit` to answer came to: its value,
    /// or the kind of its failure (whose message joins the run's
    /// failures), or `Timeout`.
    pub(crate) fn record<T>(
        &self,
        answer: Result<Result<T, BrokerFailure>, tokio::time::error::Elapsed>,
    ) -> Result<T, FailureKind> {
        match answer {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(failure)) => {
                self.failure(failure.message);
                Err(failure.kind)
            }
            Err(_) => Err(FailureKind::Timeout),
        }
    }

    /// Records a served `access_token` call (or why it was not served),
    /// answered now on `clock`.
    pub(crate) fn served(
        &self,
        instance: u32,
        account: String,
        requested_at: SystemTime,
        clock: &SimClock,
        result: Result<Fingerprint, FailureKind>,
    ) {
        self.push(ServedToken {
            instance,
            account,
            requested_at,
            served_at: clock.now(),
            result,
        });
    }

    /// Awaits `call` for at most `limit` and [`record`](Self::record)s it.
    pub(crate) async fn answered<T>(
        &self,
        limit: Duration,
        call: impl Future<Output = Result<T, BrokerFailure>>,
    ) -> Result<T, FailureKind> {
        self.record(tokio::time::timeout(limit, call).await)
    }
}

/// What a step plays on.
pub(crate) struct Stage<'w> {
    pub world: &'w World,
    pub scenario: &'w Scenario,
    /// The run's seeded generator: every random choice a step makes.
    pub rng: ChaCha8Rng,
    pub sink: Sink,
    /// The tasks steps left running; the run waits for them.
    pub tasks: Vec<JoinHandle<()>>,
}

/// The wait a fault's answers ask for: a `Retry-After` header, or a retry
/// time named only in the message.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryAsked {
    pub header: Option<Duration>,
    pub message: Option<SystemTime>,
}

impl Stage<'_> {
    /// Records a timeline event at the provider's now.
    pub(crate) fn event(&self, kind: &'static str, what: String, account: Option<String>) {
        self.sink.push(TimelineEvent {
            at: self.world.provider_clock.now(),
            what,
            account,
            kind,
        });
    }

    /// Instance `index`, if the run has it.
    pub(crate) fn instance(&self, index: u32) -> Option<Instance> {
        self.world.instances.get(index as usize).cloned()
    }

    /// Leaves `task` running; the run waits for it before it ends.
    pub(crate) fn spawn(&mut self, task: impl Future<Output = ()> + Send + 'static) {
        self.tasks.push(tokio::spawn(task));
    }

    /// A seeded offset within `window`.
    pub(crate) fn random_within(&mut self, window: Duration) -> Duration {
        let nanos = u64::try_from(window.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            Duration::ZERO
        } else {
            Duration::from_nanos(self.rng.random_range(0..nanos))
        }
    }

    /// The clocks `owner` names.
    pub(crate) fn clocks_of(&self, owner: ClockOwner, instance: u32) -> Vec<SimClock> {
        let brokers = self.world.instances.iter().map(|i| i.clock.clone());
        match owner {
            ClockOwner::Provider => vec![self.world.provider_clock.clone()],
            ClockOwner::Broker => self
                .world
                .instances
                .get(instance as usize)
                .map(|i| vec![i.clock.clone()])
                .unwrap_or_default(),
            ClockOwner::All => std::iter::once(self.world.provider_clock.clone())
                .chain(brokers)
                .collect(),
        }
    }

    /// Hands the new offsets of the broker clocks (skew plus skipped) to
    /// brokers that keep their own clock (processes under libfaketime);
    /// in-process brokers read their `SimClock` and answer `Unsupported`.
    pub(crate) fn push_clock_offsets(&self) {
        for failure in crate::run::skip::push_offsets(self.world) {
            self.sink.failure(failure);
        }
    }

    /// Mounts the fault `spec` describes on the mock, records its window
    /// (with the wait its answers ask for) and unmounts it at `until`
    /// (default: the end). A description the mock refuses (validation
    /// let it through) is a failure of step `kind`.
    pub(crate) fn mount_spec(
        &mut self,
        kind: &str,
        spec: FaultSpec,
        retry: RetryAsked,
        until: Option<Duration>,
    ) {
        let account = spec.account.clone();
        let fault = match spec.into_fault(self.world.provider_clock.now()) {
            Ok(fault) => fault,
            Err(invalid) => {
                self.sink.failure(format!("{kind}: {invalid}"));
                return;
            }
        };
        let label = fault.label();
        let guard = self.world.provider.mount(fault);
        let fault = self.sink.mounted(FaultMounted {
            label: label.clone(),
            retry_after: retry.header,
            retry_at: retry.message,
            at: self.world.provider_clock.now(),
        });
        self.event("fault", format!("mounted `{label}`"), account);
        let until = until.unwrap_or(self.scenario.duration);
        let time = self.world.time.clone();
        let sink = self.sink.clone();
        let clock = self.world.provider_clock.clone();
        self.spawn(async move {
            time.sleep_until_offset(until).await;
            drop(guard);
            sink.push(Event::FaultUnmounted {
                fault,
                at: clock.now(),
            });
        });
    }
}
