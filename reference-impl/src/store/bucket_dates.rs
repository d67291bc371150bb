//! The `Date` of the bucket's answers: a clock every component of a fleet
//! can read.
//!
//! S3 dates every answer from a clock kept to the second. A component that
//! has never heard from the OAuth provider (it only ever adopts grants
//! another component refreshed) has no other way to learn that its own
//! clock is off, so the broker places the instants it reads from the bucket
//! by this `Date` (`broker/provider_frame.rs`). The connector wraps
//! object_store's own reqwest client and only reads a header; requests,
//! retries and timeouts are object_store's.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use async_trait::async_trait;
use object_store::ClientOptions;
use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpRequest, HttpResponse, HttpService, ReqwestConnector,
};

/// The `Date` of the newest answer the bucket's server gave; clones share it.
#[derive(Debug, Clone, Default)]
pub struct ServerDates(Arc<Mutex<Option<SystemTime>>>);

impl ServerDates {
    /// The `Date` of the newest dated answer, if any came.
    pub fn latest(&self) -> Option<SystemTime> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn saw(&self, date: SystemTime) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(date);
    }
}

/// object_store's reqwest connector, noting each answer's `Date`.
#[derive(Debug, Clone)]
pub(crate) struct DatedConnector {
    pub dates: ServerDates,
}

impl HttpConnector for DatedConnector {
    fn connect(&self, options: &ClientOptions) -> object_store::Result<HttpClient> {
        Ok(HttpClient::new(DatedService {
            inner: ReqwestConnector::default().connect(options)?,
            dates: self.dates.clone(),
        }))
    }
}

#[derive(Debug)]
struct DatedService {
    inner: HttpClient,
    dates: ServerDates,
}

#[async_trait]
impl HttpService for DatedService {
    async fn call(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let response = self.inner.execute(request).await?;
        if let Some(date) = crate::transport::answer_date(response.headers()) {
            self.dates.saw(date);
        }
        Ok(response)
    }
}
