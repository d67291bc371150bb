//! The HTTP surface: the axum [`Router`](axum::Router) and the middleware
//! that journals every request and applies mounted faults.
//!
//! `inspect.rs` reads what a request is about before it is handled (for
//! fault targeting and the journal); `middleware.rs` records and shapes it.

mod inspect;
mod middleware;

pub(crate) use middleware::Outcome;

use crate::fault::FaultSet;
use crate::journal::Journal;
use crate::state::ProviderState;
use axum::Router;
use axum::routing::{get, post};

/// Largest request body the provider reads; Google's token requests are tiny.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

/// What the middleware needs besides the model.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    pub state: ProviderState,
    pub journal: Journal,
    pub faults: FaultSet,
}

/// Builds the provider's router over shared state.
pub(crate) fn router(shared: Shared) -> Router {
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
        .with_state(shared.state.clone())
        .layer(axum::middleware::from_fn_with_state(
            shared,
            middleware::journal_and_faults,
        ))
}
