use crate::mailbox::MailboxError;

/// Why a message could not be put in the outbox.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum OutboxError {
    /// The message already has a `Message-ID`; the outbox must own it to deliver once.
    #[error("the message already has a `Message-ID` header; remove it, the outbox sets its own")]
    HasMessageId,
    /// The message has no header/body separator (an empty line).
    #[error("the message is not rfc 822: no empty line separates headers from body")]
    NotRfc822,
    /// The store failed; the message was not queued.
    #[error("could not store the message in the outbox for account `{account}`")]
    Store {
        /// The account.
        account: String,
        /// Why.
        #[source]
        source: MailboxError,
    },
}
