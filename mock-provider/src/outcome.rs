//! What a handler learned while answering, for the journal: below the
//! handlers and the server's middleware that reads it.

use crate::{GrantId, IssuedToken};

/// What a handler learned while answering, attached to its response as an
/// extension so the journal can record it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outcome {
    pub account: Option<String>,
    pub grant_id: Option<GrantId>,
    pub issued: Option<IssuedToken>,
    pub error: Option<String>,
}

impl Outcome {
    pub fn error(code: &str) -> Self {
        Self {
            error: Some(code.to_owned()),
            ..Self::default()
        }
    }
}
