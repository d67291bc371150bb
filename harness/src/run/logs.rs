//! Captures what in-process brokers log, at TRACE, for the leak checker.
//!
//! A run installs a subscriber for its own thread only (sim and real runs
//! use a current-thread runtime), so concurrent runs in one test process do
//! not see each other's logs. The mock provider's own events are filtered
//! out: only the broker is on trial.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use tracing_subscriber::EnvFilter;

/// Targets whose events are not the broker's.
const NOT_THE_BROKER: &str = "trace,mock_provider=off,harness::run=off,axum=off,tower=off";

/// A buffer the subscriber writes formatted events into.
#[derive(Debug, Clone, Default)]
pub(super) struct LogCapture {
    buffer: Arc<Mutex<Vec<u8>>>,
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    /// A subscriber that formats every broker event at TRACE into the buffer.
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + 'static {
        let buffer = self.buffer.clone();
        tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new(NOT_THE_BROKER))
            .with_ansi(false)
            .without_time()
            .with_writer(move || Sink(buffer.clone()))
            .finish()
    }

    /// Everything captured so far.
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.buffer.lock().unwrap_or_else(PoisonError::into_inner))
    }
}
