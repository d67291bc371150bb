//! The run's one history: every broker call, status poll, timeline event,
//! fault mount and unmount and failure message, in the order the harness
//! recorded them, as typed events (Jepsen's history of operations).
//!
//! Steps append to it through one lock (`run::play::Sink`); checkers read
//! it through the views below, which filter one kind each, so a checker
//! that needs calls reads calls and nothing is kept twice.
//!
//! ```
//! use harness::record::{Event, History, TimelineEvent};
//! use std::time::UNIX_EPOCH;
//!
//! let history = History::default().with([TimelineEvent {
//!     at: UNIX_EPOCH,
//!     what: "restart instance 0".into(),
//!     account: None,
//!     kind: "restart",
//! }]);
//! assert_eq!(history.timeline().count(), 1);
//! assert_eq!(history.served().count(), 0);
//! assert!(matches!(history.events()[0], Event::Timeline(_)));
//! ```

use super::run_record::{FaultWindow, ServedToken, StatusSample, TimelineEvent};
use std::time::{Duration, SystemTime};

/// One thing that happened in a run, as the harness saw it.
#[derive(Debug, Clone)]
pub enum Event {
    /// An `access_token` call finished.
    Served(ServedToken),
    /// A `status()` poll was answered (or failed).
    Status(StatusSample),
    /// The timeline did something to the provider or a broker.
    Timeline(TimelineEvent),
    /// A fault was mounted on the mock.
    FaultMounted(FaultMounted),
    /// The fault numbered `fault` (its place among the mounts) came off.
    FaultUnmounted {
        /// Which mount: 0 for the run's first.
        fault: usize,
        /// Provider time.
        at: SystemTime,
    },
    /// A broker call, or a step the harness played, failed with this message
    /// (the leak checker scans them).
    Failure {
        /// Provider time it was recorded.
        at: SystemTime,
        /// What was said.
        message: String,
    },
}

/// A fault the timeline mounted.
#[derive(Debug, Clone)]
pub struct FaultMounted {
    /// The mock's label for it (as in journal entries' `fault`).
    pub label: String,
    /// The `Retry-After` it answers with, if any.
    pub retry_after: Option<Duration>,
    /// The retry time its answers name in their message only, if any.
    pub retry_at: Option<SystemTime>,
    /// Provider time.
    pub at: SystemTime,
}

impl Event {
    /// Provider time of the event (a call's or poll's answer, not its start).
    pub fn at(&self) -> SystemTime {
        match self {
            Event::Served(served) => served.served_at,
            Event::Status(sample) => sample.answered_at,
            Event::Timeline(event) => event.at,
            Event::FaultMounted(mounted) => mounted.at,
            Event::FaultUnmounted { at, .. } | Event::Failure { at, .. } => *at,
        }
    }

    /// The broker instance concerned, when one is.
    pub fn instance(&self) -> Option<u32> {
        match self {
            Event::Served(served) => Some(served.instance),
            Event::Status(sample) => Some(sample.instance),
            _ => None,
        }
    }

    /// The account concerned, when one is.
    pub fn account(&self) -> Option<&str> {
        match self {
            Event::Served(served) => Some(&served.account),
            Event::Timeline(event) => event.account.as_deref(),
            _ => None,
        }
    }
}

impl From<ServedToken> for Event {
    fn from(served: ServedToken) -> Self {
        Event::Served(served)
    }
}

impl From<StatusSample> for Event {
    fn from(sample: StatusSample) -> Self {
        Event::Status(sample)
    }
}

impl From<TimelineEvent> for Event {
    fn from(event: TimelineEvent) -> Self {
        Event::Timeline(event)
    }
}

/// The run's events in recording order.
#[derive(Debug, Clone, Default)]
pub struct History {
    events: Vec<Event>,
}

impl History {
    /// Appends one event.
    pub fn push(&mut self, event: impl Into<Event>) {
        self.events.push(event.into());
    }

    /// This history with `events` appended (for hand-built records).
    #[must_use]
    pub fn with<E: Into<Event>>(mut self, events: impl IntoIterator<Item = E>) -> Self {
        self.events.extend(events.into_iter().map(Into::into));
        self
    }

    /// This history with each window's mount (and unmount, when it has
    /// one) appended (for hand-built records).
    #[must_use]
    pub fn with_windows(mut self, windows: impl IntoIterator<Item = FaultWindow>) -> Self {
        for window in windows {
            let fault = self.mounts().count();
            self.events.push(Event::FaultMounted(FaultMounted {
                label: window.label,
                retry_after: window.retry_after,
                retry_at: window.retry_at,
                at: window.mounted_at,
            }));
            if let Some(at) = window.unmounted_at {
                self.events.push(Event::FaultUnmounted { fault, at });
            }
        }
        self
    }

    /// Every event, in recording order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Keeps the events `keep` says yes to (tests take data away with it).
    pub fn retain(&mut self, keep: impl FnMut(&Event) -> bool) {
        self.events.retain(keep);
    }

    /// Every `access_token` call, in completion order.
    pub fn served(&self) -> impl DoubleEndedIterator<Item = &ServedToken> + Clone {
        self.events.iter().filter_map(|e| match e {
            Event::Served(served) => Some(served),
            _ => None,
        })
    }

    /// Every `status()` poll, in completion order.
    pub fn status_samples(&self) -> impl DoubleEndedIterator<Item = &StatusSample> + Clone {
        self.events.iter().filter_map(|e| match e {
            Event::Status(sample) => Some(sample),
            _ => None,
        })
    }

    /// Every `status()` poll, to edit (tests forge answers with it).
    pub fn status_samples_mut(&mut self) -> impl Iterator<Item = &mut StatusSample> {
        self.events.iter_mut().filter_map(|e| match e {
            Event::Status(sample) => Some(sample),
            _ => None,
        })
    }

    /// Revocations, restarts, clock steps, pauses, mounts: what the
    /// timeline did, in order.
    pub fn timeline(&self) -> impl DoubleEndedIterator<Item = &TimelineEvent> + Clone {
        self.events.iter().filter_map(|e| match e {
            Event::Timeline(event) => Some(event),
            _ => None,
        })
    }

    /// Every fault mount, in order.
    fn mounts(&self) -> impl Iterator<Item = &FaultMounted> {
        self.events.iter().filter_map(|e| match e {
            Event::FaultMounted(mounted) => Some(mounted),
            _ => None,
        })
    }

    /// How many faults have been mounted so far: the next mount's number.
    pub fn mount_count(&self) -> usize {
        self.mounts().count()
    }

    /// Each mounted fault with when it came off (`None`: still mounted
    /// when the history ends), in mount order.
    pub fn fault_windows(&self) -> Vec<FaultWindow> {
        let mut windows: Vec<FaultWindow> = self
            .mounts()
            .map(|mounted| FaultWindow {
                label: mounted.label.clone(),
                retry_after: mounted.retry_after,
                retry_at: mounted.retry_at,
                mounted_at: mounted.at,
                unmounted_at: None,
            })
            .collect();
        for event in &self.events {
            if let Event::FaultUnmounted { fault, at } = event
                && let Some(window) = windows.get_mut(*fault)
            {
                window.unmounted_at.get_or_insert(*at);
            }
        }
        windows
    }

    /// Every failure message, sorted (their order across tasks is not the
    /// seed's to decide).
    pub fn failure_messages(&self) -> Vec<&str> {
        let mut messages: Vec<&str> = self
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Failure { message, .. } => Some(message.as_str()),
                _ => None,
            })
            .collect();
        messages.sort_unstable();
        messages
    }
}
