//! `GET`/`POST /__admin/signing_keys`: id_token signing-key rotation and the JWKS
//! cache lifetime, acting through the same `MockProvider` methods a Rust test calls.

use super::errors::{AdminError, parse_json};
use crate::{MockProvider, SigningKeyError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// A signing-key operation: `{"op": "rotate", "kid": "oauth-chaos-mock-2"}`.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum SigningKeyOp {
    /// Publish a key (a shipped one by kid without `private_key_pem`).
    Add {
        kid: String,
        #[serde(default)]
        private_key_pem: Option<String>,
    },
    /// Sign with a published key.
    Use { kid: String },
    /// Add and use in one step.
    Rotate {
        kid: String,
        #[serde(default)]
        private_key_pem: Option<String>,
    },
    /// Remove a key from the JWKS.
    Retire { kid: String },
    /// The JWKS `Cache-Control: max-age`, in seconds.
    SetMaxAge { seconds: u64 },
}

fn refused(error: SigningKeyError) -> AdminError {
    match error {
        SigningKeyError::UnknownKid { kid } => AdminError::NotFound {
            what: "signing key",
            id: kid,
        },
        other => AdminError::InvalidValue {
            field: "kid",
            message: other.to_string(),
        },
    }
}

fn listing(provider: &MockProvider) -> Value {
    let ids = provider.signing_keys();
    json!({"published": ids.published, "active": ids.active})
}

pub(crate) async fn list(State(provider): State<Arc<MockProvider>>) -> Json<Value> {
    Json(listing(&provider))
}

pub(crate) async fn apply(
    State(provider): State<Arc<MockProvider>>,
    body: Bytes,
) -> Result<Json<Value>, AdminError> {
    let op: SigningKeyOp = parse_json(&body)?;
    match op {
        SigningKeyOp::Add {
            kid,
            private_key_pem,
        } => provider.add_signing_key(&kid, private_key_pem.as_deref()),
        SigningKeyOp::Use { kid } => provider.use_signing_key(&kid),
        SigningKeyOp::Rotate {
            kid,
            private_key_pem,
        } => provider
            .add_signing_key(&kid, private_key_pem.as_deref())
            .and_then(|()| provider.use_signing_key(&kid)),
        SigningKeyOp::Retire { kid } => provider.retire_signing_key(&kid),
        SigningKeyOp::SetMaxAge { seconds } => {
            provider.set_jwks_max_age(Duration::from_secs(seconds));
            Ok(())
        }
    }
    .map_err(refused)?;
    Ok(Json(listing(&provider)))
}
