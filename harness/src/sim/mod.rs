//! Sim mode's two seams: simulated wall time and an in-memory transport.
//!
//! [`SimTime`] pins a run to one epoch and the paused tokio clock; each
//! component gets its own [`SimClock`] from it, whose offset models skew,
//! jumps and stalls. [`InMemoryTransport`] hands every request to the mock
//! provider's router without a socket, so runs are deterministic.

mod clock;
mod skips;
mod transport;

pub use clock::{SimClock, SimTime};
pub use transport::InMemoryTransport;
