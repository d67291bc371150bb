//! The two answers that can be large: the journal (up to `journal_capacity`
//! entries) and the secrets listing (up to `secret_capacity` values, about
//! 17 MB of JSON at 100,000). Each is serialized straight to bytes on a
//! blocking thread, off the runtime's workers, and one at a time: a burst of
//! listings then costs one buffer, not one per request (with no gate, a junk
//! campaign that asked for the secrets often took the server to 780 MB).

use super::errors::AdminError;
use crate::{Capacity, Journal, JournalEntry, JournalQuery, SecretRegistry};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, header};
use secrecy::ExposeSecret;
use serde::Serialize;
use tokio::sync::Semaphore;

/// One large listing at a time, per process.
static GATE: Semaphore = Semaphore::const_new(1);

#[derive(Serialize)]
struct JournalAnswer {
    total: u64,
    dropped: u64,
    capacity: Option<usize>,
    entries: Vec<JournalEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hash: Option<String>,
}

#[derive(Serialize)]
struct SecretsAnswer<'a> {
    dropped: u64,
    capacity: Option<usize>,
    secrets: Vec<SecretItem<'a>>,
}

#[derive(Serialize)]
struct SecretItem<'a> {
    kind: crate::SecretKind,
    value: &'a str,
}

/// `GET /__admin/journal`, filtered by `query`, with the hash when asked.
pub(crate) async fn journal(
    journal: Journal,
    query: JournalQuery,
    with_hash: bool,
) -> Result<Response, AdminError> {
    off_the_workers(move || {
        serde_json::to_vec(&JournalAnswer {
            total: journal.total(),
            dropped: journal.dropped(),
            capacity: journal.capacity().limit(),
            entries: journal.query(&query),
            hash: with_hash.then(|| journal.hash()),
        })
    })
    .await
}

/// `GET /__admin/secrets`.
pub(crate) async fn secrets(registry: SecretRegistry) -> Result<Response, AdminError> {
    off_the_workers(move || {
        let kept = registry.snapshot();
        let secrets = kept
            .iter()
            .map(|s| SecretItem {
                kind: s.kind,
                value: s.value.expose_secret(),
            })
            .collect();
        serde_json::to_vec(&SecretsAnswer {
            dropped: registry.dropped(),
            capacity: Capacity::limit(registry.capacity()),
            secrets,
        })
    })
    .await
}

async fn off_the_workers(
    build: impl FnOnce() -> serde_json::Result<Vec<u8>> + Send + 'static,
) -> Result<Response, AdminError> {
    let failed = |what: &str| AdminError::InvalidField {
        field: "(query)".to_owned(),
        message: format!("the listing could not be built: {what}"),
    };
    let _turn = GATE.acquire().await.map_err(|_| failed("closed"))?;
    let body = tokio::task::spawn_blocking(build)
        .await
        .map_err(|_| failed("cancelled"))?
        .map_err(|e| failed(&e.to_string()))?;
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}
