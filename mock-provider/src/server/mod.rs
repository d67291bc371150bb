//! The HTTP surface: the axum [`Router`](axum::Router) and the middleware
//! that journals every request and applies mounted faults.
//!
//! `serve.rs` serves the router on a socket with read timeouts;
//! `inspect.rs` reads what a request is about before it is handled (for
//! fault targeting and the journal); `middleware.rs` records and shapes it;
//! `dropped.rs` makes connection-level faults (reset, lost ack) look the
//! same over sockets and in memory; `fallback.rs` answers unknown paths and
//! wrong methods as Google does; `error_shapes.rs` gives every error no
//! handler shaped the body its part of the provider answers with (JSON
//! wherever Google answers JSON).

mod dropped;
mod error_shapes;
mod fallback;
mod inspect;
mod middleware;
mod serve;

pub(crate) use serve::serve;

use crate::shared::Shared;
use axum::Router;
use axum::routing::{get, post};

/// Builds the provider's router over shared state; `admin` holds the admin
/// routes (built by the handle, which owns the operations they call).
pub(crate) fn router(shared: Shared, admin: Router) -> Router {
    Router::new()
        .route("/token", post(crate::token::token_endpoint))
        .route(
            "/o/oauth2/v2/auth",
            get(crate::authorize::authorize_endpoint),
        )
        .route("/revoke", post(crate::revocation::revoke_endpoint))
        .route("/tokeninfo", get(crate::tokeninfo::tokeninfo_endpoint))
        .route(
            "/.well-known/openid-configuration",
            get(crate::discovery::openid_configuration),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(crate::discovery::authorization_server_metadata),
        )
        .route("/oauth2/v3/certs", get(crate::discovery::jwks))
        .merge(oauth_extra_routes())
        .with_state(shared.state.clone())
        .merge(crate::gmail::routes(shared.clone()))
        .merge(admin)
        .fallback(fallback::not_found)
        .method_not_allowed_fallback(fallback::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            shared,
            middleware::journal_and_faults,
        ))
}

/// The OAuth routes beyond the first slice: userinfo and the device flow
/// (Google's current paths and the older ones it still serves).
fn oauth_extra_routes() -> Router<crate::state::ProviderState> {
    let userinfo = get(crate::userinfo::userinfo_endpoint).post(crate::userinfo::userinfo_endpoint);
    Router::new()
        .route("/v1/userinfo", userinfo.clone())
        .route("/oauth2/v3/userinfo", userinfo)
        .route("/device/code", post(crate::device::device_code_endpoint))
        .route(
            "/o/oauth2/device/code",
            post(crate::device::device_code_endpoint),
        )
        .route("/device", get(crate::device::verification_page))
}
