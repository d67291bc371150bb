//! The admin HTTP API under `/__admin/`: everything a Rust test can do to a
//! [`MockProvider`](crate::MockProvider), for users in other languages and
//! for the standalone binary. Documented in `docs/ADMIN_API.md`.
//!
//! `handlers.rs` maps routes to `MockProvider` methods (a fault's JSON is
//! a [`FaultSpec`](crate::FaultSpec), the one fault description the
//! harness's scenario steps build too);
//! `ops.rs` holds the lifecycle and clock operations; `device.rs` the
//! user's decisions on device codes; `signing_keys.rs` the id_token key
//! rotation; `listings.rs` the large answers (journal, secrets), built
//! off the runtime's workers one at a time; `crate::limits` the documented range of every value and
//! `message_check.rs` what a message added over HTTP may hold (no header
//! injection); `errors.rs` the typed
//! 400/404 answers that name the offending field.
//!
//! The API is for tests: `GET /__admin/secrets` and `/__admin/accounts`
//! return secret values so a leak checker in another language can look
//! for them. Never expose the mock beyond loopback.

mod account_check;
mod device;
mod errors;
mod handlers;
mod listings;
mod message_check;
mod ops;
mod signing_keys;

use crate::MockProvider;
use axum::Router;
use axum::routing::{delete, get, post};
use std::sync::Arc;

/// The admin routes, acting on `provider` (a view sharing the real one's state).
pub(crate) fn routes(provider: MockProvider) -> Router {
    Router::new()
        .route("/__admin/accounts", get(handlers::accounts))
        .route(
            "/__admin/faults",
            get(handlers::list_faults).post(handlers::mount_fault),
        )
        .route("/__admin/faults/{id}", delete(handlers::remove_fault))
        .route("/__admin/lifecycle", post(handlers::lifecycle))
        .route(
            "/__admin/signing_keys",
            get(signing_keys::list).post(signing_keys::apply),
        )
        .route(
            "/__admin/clock",
            get(handlers::clock).post(handlers::set_clock),
        )
        .route("/__admin/mailboxes/{account}", get(handlers::mailbox))
        .route("/__admin/mailboxes/{account}/sent", get(handlers::sent))
        .route(
            "/__admin/mailboxes/{account}/messages",
            post(handlers::add_message),
        )
        .route(
            "/__admin/mailboxes/{account}/messages/{id}",
            delete(handlers::delete_message),
        )
        .route(
            "/__admin/mailboxes/{account}/messages/{id}/labels",
            post(handlers::relabel_message),
        )
        .route("/__admin/journal", get(handlers::journal))
        .route("/__admin/secrets", get(handlers::secrets))
        .route("/__admin/device_codes", get(device::list))
        .route(
            "/__admin/device_codes/{user_code}/approve",
            post(device::approve),
        )
        .route("/__admin/device_codes/{user_code}/deny", post(device::deny))
        .with_state(Arc::new(provider))
}
