//! A slice of the Gmail API v1 under `/gmail/v1/users/{userId}/`:
//! `profile`, `messages` (list, get, send) and `history`.
//!
//! `store.rs` holds every mailbox behind its own lock (with settings and
//! the per-user quota); `mailbox.rs` one account's messages and history,
//! generated from the seed with `fake`; `message.rs` rendering in Gmail's
//! formats and RFC 2822 parsing; `rfc5322.rs` mail text as Gmail stores it
//! (dates, header and body encodings); `send.rs` and `upload.rs`
//! `messages.send` on the JSON and the upload path; `auth.rs` the bearer, scope, userId and
//! quota checks; `errors.rs` Google's exact error envelopes; `handlers.rs`
//! the endpoints.

mod auth;
pub(crate) mod errors;
mod handlers;
mod mailbox;
mod message;
mod rfc5322;
mod send;
pub(crate) mod store;
mod upload;

pub(crate) use errors::{GmailError, api_error_body};
pub use message::{MessageSummary, NewMessage};
pub use store::GmailSettings;
pub(crate) use store::GmailStore;

use crate::shared::Shared;
use axum::Router;
use axum::routing::{get, post};

/// What a Gmail handler learned that the journal records beyond [`Outcome`](crate::outcome::Outcome).
#[derive(Debug, Clone, Default)]
pub(crate) struct GmailOutcome {
    pub message_id: Option<String>,
    pub gmail_message_id: Option<String>,
}

/// The Gmail routes over the provider's shared state.
pub(crate) fn routes(shared: Shared) -> Router {
    Router::new()
        .route("/gmail/v1/users/{user_id}/profile", get(handlers::profile))
        .route(
            "/gmail/v1/users/{user_id}/messages",
            get(handlers::list_messages),
        )
        .route("/gmail/v1/users/{user_id}/messages/send", post(send::send))
        .route(
            "/upload/gmail/v1/users/{user_id}/messages/send",
            post(send::upload_send),
        )
        .route(
            "/gmail/v1/users/{user_id}/messages/{id}",
            get(handlers::get_message),
        )
        .route("/gmail/v1/users/{user_id}/history", get(handlers::history))
        // The server's middleware has already read the body within the
        // limit of its path (GmailStore::body_limit); axum's own 2 MB
        // default would cut mail short.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(shared)
}
