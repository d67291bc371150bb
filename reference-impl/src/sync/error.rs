use std::fmt;

use super::crash::{Crashed, GmailEndpoint};
use super::token_source::TokenSourceError;
use crate::mailbox::MailboxError;
use crate::transport::TransportError;

/// Where in a sync a bad response came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The profile response.
    Profile,
    /// A `messages.list` page (1-based).
    ListPage(usize),
    /// A `history.list` page (1-based).
    HistoryPage(usize),
    /// The message with this id.
    Message(String),
    /// The send response.
    Send,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Profile => f.write_str("the profile response"),
            Self::ListPage(page) => write!(f, "messages.list page {page}"),
            Self::HistoryPage(page) => write!(f, "history.list page {page}"),
            Self::Message(id) => write!(f, "message `{id}`"),
            Self::Send => f.write_str("the send response"),
        }
    }
}

/// Why a sync (or an outbox delivery) stopped. Whatever was committed before stays;
/// the history cursor only moves with a complete sync, so a rerun picks up from there.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The grant is revoked: stop syncing this account until the user re-authorizes.
    #[error("account `{account}` needs re-authorization; everything synced so far is kept")]
    NeedsReauth {
        /// The account.
        account: String,
    },
    /// The token source failed transiently; retry later.
    #[error("no access token for account `{account}`; retry later")]
    TokenUnavailable {
        /// The account.
        account: String,
        /// Why.
        #[source]
        source: TokenSourceError,
    },
    /// Gmail kept answering 401 even with a freshly refreshed token.
    #[error("gmail rejected a freshly refreshed token for account `{account}` on {endpoint}")]
    Unauthorized {
        /// The account.
        account: String,
        /// The endpoint.
        endpoint: GmailEndpoint,
    },
    /// Rate limits or server errors outlasted the retry budget.
    #[error(
        "gmail {endpoint} kept failing for account `{account}` (last http {status}) after {attempts} attempts; retry later"
    )]
    RetriesExhausted {
        /// The account.
        account: String,
        /// The endpoint.
        endpoint: GmailEndpoint,
        /// The last status seen.
        status: u16,
        /// How many requests were sent.
        attempts: u32,
    },
    /// The network kept failing for a request that is safe to repeat.
    #[error("could not reach gmail {endpoint} for account `{account}`; retry later")]
    Transport {
        /// The account.
        account: String,
        /// The endpoint.
        endpoint: GmailEndpoint,
        /// The last failure.
        #[source]
        source: TransportError,
    },
    /// Gmail refused the request in a way retrying will not fix.
    #[error(
        "gmail {endpoint} refused the request for account `{account}` with http {status} `{reason}`"
    )]
    Rejected {
        /// The account.
        account: String,
        /// The endpoint.
        endpoint: GmailEndpoint,
        /// The status.
        status: u16,
        /// Gmail's `reason` (or `status`) field.
        reason: String,
    },
    /// Gmail sent something that does not follow its own format.
    #[error("gmail sent a malformed response in {location} for account `{account}`: {problem}")]
    Malformed {
        /// The account.
        account: String,
        /// Which page or message.
        location: Location,
        /// What was wrong.
        problem: String,
    },
    /// The mailbox store failed or the lease was taken over.
    #[error("the mailbox store failed while syncing account `{account}`")]
    Store {
        /// The account.
        account: String,
        /// What went wrong.
        #[source]
        source: MailboxError,
    },
    /// Another worker holds this account's sync lease; nothing was done.
    #[error("another worker holds the sync lease for account `{account}`; try again later")]
    LeaseHeld {
        /// The account.
        account: String,
    },
    /// A crash-point hook stopped the engine (tests only).
    #[error("the engine was stopped on purpose")]
    Crashed(#[from] Crashed),
}
