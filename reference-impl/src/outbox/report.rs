use crate::sync::SyncError;

/// What happened to one outbox entry in a delivery pass.
#[derive(Debug, Clone)]
pub struct DeliveryReport {
    /// The outbox entry.
    pub entry_id: String,
    /// Its Message-ID.
    pub message_id: String,
    /// The outcome.
    pub delivery: Delivery,
}

/// The outcome of delivering one entry.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// In Gmail's Sent as `gmail_id` (sent now, or found there after an ambiguous failure).
    Sent {
        /// Gmail's id for the sent message.
        gmail_id: String,
    },
    /// Gmail refused it for good; it stays in the outbox as failed.
    Failed {
        /// HTTP status.
        status: u16,
        /// Gmail's reason.
        reason: String,
    },
    /// Not delivered yet (network, rate limit, revoked grant); it stays queued and the
    /// next pass checks Sent before sending again.
    Pending {
        /// The last failure.
        error: SyncError,
    },
}
