//! What the server's middleware, the handlers and the provider's handle
//! share, below all of them: the parts every request reaches behind one
//! `Arc` ([`Shared`]), the count of requests in flight and the socket
//! timeouts. Handlers import it from here, not from `server` (which builds
//! the router over them), so no handler module and `server` use each other.

use crate::fault::FaultSet;
use crate::gmail::store::GmailStore;
use crate::journal::Journal;
use crate::state::ProviderState;
use std::sync::Arc;
use std::time::Duration;

/// Largest request body the provider reads; Google's token requests are tiny.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

/// What the middleware and the Gmail handlers share, behind one `Arc`:
/// axum clones the state of every layer and handler for every request,
/// and one reference count is cheaper than one per part.
#[derive(Debug, Clone)]
pub(crate) struct Shared(Arc<SharedParts>);

/// The parts of [`Shared`].
#[derive(Debug)]
pub(crate) struct SharedParts {
    pub state: ProviderState,
    pub journal: Journal,
    pub faults: FaultSet,
    pub gmail: GmailStore,
    pub timeouts: Timeouts,
    /// Requests the middleware has begun and not yet finished (answered,
    /// dropped or abandoned): a harness reads it to know the provider is idle.
    pub in_flight: InFlight,
}

/// A count of requests in flight; [`InFlight::enter`] returns the guard
/// that holds one.
#[derive(Debug, Default)]
pub(crate) struct InFlight(std::sync::atomic::AtomicUsize);

impl InFlight {
    /// Counts one more request until the guard drops.
    pub fn enter(&self) -> InFlightGuard<'_> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        InFlightGuard(self)
    }

    /// How many requests are in flight now.
    pub fn count(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// One request in flight; dropping it (answered, or the client went away
/// and the middleware's future with it) ends it.
#[derive(Debug)]
pub(crate) struct InFlightGuard<'a>(&'a InFlight);

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        self.0.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Shared {
    pub fn new(parts: SharedParts) -> Self {
        Self(Arc::new(parts))
    }
}

impl std::ops::Deref for Shared {
    type Target = SharedParts;

    fn deref(&self) -> &SharedParts {
        &self.0
    }
}

/// How long the server waits for what a client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timeouts {
    /// For a request's head, from when the connection is ready to read one
    /// (so also how long an idle keep-alive connection stays open).
    pub header_read: Duration,
    /// For a request's body, once its head has arrived.
    pub body_read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(10),
        }
    }
}
