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
use axum::routing::post;

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
        .with_state(shared.state.clone())
        .layer(axum::middleware::from_fn_with_state(
            shared,
            middleware::journal_and_faults,
        ))
}
