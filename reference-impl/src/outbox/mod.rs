//! The outbox: durable first, delivered exactly once.
//!
//! `outbox.rs` stores a message (stamped with a Message-ID derived from its entry id)
//! before anything is sent (`message_id.rs`: the domain is the operator's or the sender's); `deliver.rs` sends it, and after any ambiguous failure
//! looks the Message-ID up in Sent before sending again. `error.rs` and `report.rs`
//! hold the public value types. Entries live in the [`MailboxStore`](crate::MailboxStore).

mod deliver;
mod error;
mod message_id;
#[expect(
    clippy::module_inception,
    reason = "the type and its folder share the domain noun"
)]
mod outbox;
mod report;

pub use self::error::OutboxError;
pub use self::message_id::{InvalidMessageIdDomain, MessageIdDomain};
pub use self::outbox::{Outbox, OutboxConfig};
pub use self::report::{Delivery, DeliveryReport};
