//! The fault layer in front of the S3 server. A fault is a value
//! ([`BucketFault`]), mounted with a target and a rhythm, and removed when its
//! [`FaultGuard`] is dropped. For each request the first mounted rule that
//! fires decides; no rule firing passes the request through.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use s3s::Body;
use s3s::service::S3Service;

use crate::request_time::{MAX_REQUEST_SKEW, ServerClock, distance, signed_at};

/// What a request meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BucketFault {
    /// `500 InternalError`, as S3 answers when it has an internal error.
    InternalError,
    /// `503 ServiceUnavailable`.
    ServiceUnavailable,
    /// `503 SlowDown` with S3's XML body: reduce your request rate.
    SlowDown,
    /// The request waits this long, then is served.
    Latency(Duration),
    /// The connection is cut before the request is served.
    Reset,
    /// The request is served (a write is committed), then the connection is cut
    /// before the answer: the client cannot know that it succeeded.
    AckLost,
    /// The bucket is down: every connection is cut as it arrives.
    Outage,
}

/// Which requests a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultTarget {
    /// Every request.
    Any,
    /// `PUT`, `POST` and `DELETE`.
    Writes,
    /// `GET` and `HEAD`.
    Reads,
}

impl FaultTarget {
    fn matches(self, method: &Method) -> bool {
        let write = matches!(*method, Method::PUT | Method::POST | Method::DELETE);
        match self {
            Self::Any => true,
            Self::Writes => write,
            Self::Reads => !write,
        }
    }
}

#[derive(Debug)]
struct Rule {
    id: u64,
    fault: BucketFault,
    target: FaultTarget,
    /// Fires on every `every`-th matching request (1: all of them).
    every: u64,
    seen: u64,
    /// Firings left; `None` until the guard drops.
    remaining: Option<u64>,
}

#[derive(Debug, Default)]
pub(crate) struct FaultsInner {
    rules: Mutex<Vec<Rule>>,
    next_id: AtomicU64,
    outage: AtomicBool,
    injected: AtomicU64,
}

/// The server's fault knobs; see [`S3Server::faults`](crate::S3Server::faults).
#[derive(Debug, Clone, Default)]
pub struct BucketFaults {
    inner: Arc<FaultsInner>,
}

/// Removes its fault when dropped; [`keep`](Self::keep) leaves it mounted
/// until [`BucketFaults::clear`].
#[derive(Debug)]
#[must_use = "the fault is removed as soon as this guard is dropped; call `.keep()` to leave it"]
pub struct FaultGuard {
    inner: Option<Arc<FaultsInner>>,
    id: u64,
}

impl FaultGuard {
    /// Leaves the fault mounted after the guard is gone.
    pub fn keep(mut self) {
        self.inner = None;
    }
}

impl Drop for FaultGuard {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            inner.lock().retain(|rule| rule.id != self.id);
            inner.refresh_outage();
        }
    }
}

impl FaultsInner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Rule>> {
        self.rules.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn refresh_outage(&self) {
        let down = self
            .lock()
            .iter()
            .any(|rule| rule.fault == BucketFault::Outage);
        self.outage.store(down, Ordering::SeqCst);
    }

    pub fn is_down(&self) -> bool {
        self.outage.load(Ordering::SeqCst)
    }

    /// The fault for a request with `method`, if a rule fires.
    fn verdict(&self, method: &Method) -> Option<BucketFault> {
        let mut rules = self.lock();
        let mut fired = None;
        for rule in rules.iter_mut().filter(|rule| rule.target.matches(method)) {
            rule.seen += 1;
            if fired.is_none() && rule.seen % rule.every == 0 && rule.remaining != Some(0) {
                if let Some(left) = rule.remaining.as_mut() {
                    *left -= 1;
                }
                fired = Some(rule.fault);
            }
        }
        rules.retain(|rule| rule.remaining != Some(0));
        drop(rules);
        if fired.is_some() {
            self.injected.fetch_add(1, Ordering::SeqCst);
        }
        fired
    }
}

impl BucketFaults {
    /// Mounts `fault` on every `every`-th request matching `target`, `times`
    /// times (`None`: until the guard drops).
    pub fn mount(
        &self,
        fault: BucketFault,
        target: FaultTarget,
        every: u64,
        times: Option<u64>,
    ) -> FaultGuard {
        let id = self.inner.next_id.fetch_add(1, Ordering::SeqCst);
        self.inner.lock().push(Rule {
            id,
            fault,
            target,
            every: every.max(1),
            seen: 0,
            remaining: times,
        });
        self.inner.refresh_outage();
        FaultGuard {
            inner: Some(Arc::clone(&self.inner)),
            id,
        }
    }

    /// The next `count` requests meet `fault`.
    pub fn fail_next(&self, count: u64, fault: BucketFault) -> FaultGuard {
        self.mount(fault, FaultTarget::Any, 1, Some(count))
    }

    /// Every `every`-th request meets `fault`, until the guard drops.
    pub fn intermittent(&self, fault: BucketFault, every: u64) -> FaultGuard {
        self.mount(fault, FaultTarget::Any, every, None)
    }

    /// The bucket is down until the guard drops.
    pub fn outage(&self) -> FaultGuard {
        self.mount(BucketFault::Outage, FaultTarget::Any, 1, None)
    }

    /// The next `count` writes are committed and their answers lost.
    pub fn lose_next_acks(&self, count: u64) -> FaultGuard {
        self.mount(BucketFault::AckLost, FaultTarget::Writes, 1, Some(count))
    }

    /// Removes every rule, kept ones included.
    pub fn clear(&self) {
        self.inner.lock().clear();
        self.inner.refresh_outage();
    }

    /// The fault a request meets (`write`: a put or delete), as the server
    /// decides it; for front ends other than the HTTP server (an in-memory
    /// object store in a simulation).
    pub fn decide(&self, write: bool) -> Option<BucketFault> {
        let method = if write { Method::PUT } else { Method::GET };
        self.inner.verdict(&method)
    }

    /// Whether an outage rule is mounted.
    pub fn is_down(&self) -> bool {
        self.inner.is_down()
    }

    /// How many requests met a fault so far.
    pub fn injected(&self) -> u64 {
        self.inner.injected.load(Ordering::SeqCst)
    }

    pub(crate) fn shared(&self) -> Arc<FaultsInner> {
        Arc::clone(&self.inner)
    }
}

/// One object write the server committed: its key and body, as a reader of
/// the bucket's access log would see them.
#[derive(Debug, Clone)]
pub struct CommittedWrite {
    /// `BUCKET/KEY`.
    pub path: String,
    /// The object's bytes.
    pub body: Bytes,
    /// When the server committed it (by its [`ServerClock`]).
    pub at: std::time::SystemTime,
}

/// Every write the server committed, in order (answers lost included).
#[derive(Debug, Clone, Default)]
pub struct WriteLog(Arc<Mutex<Vec<CommittedWrite>>>);

impl WriteLog {
    /// The writes so far.
    pub fn writes(&self) -> Vec<CommittedWrite> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn push(&self, write: CommittedWrite) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(write);
    }
}

/// The S3 service behind the fault rules.
#[derive(Clone)]
pub(crate) struct FaultService {
    pub inner: S3Service,
    pub faults: Arc<FaultsInner>,
    pub log: WriteLog,
    pub clock: ServerClock,
}

/// The error that makes hyper drop the connection without an answer.
fn cut() -> Box<dyn std::error::Error + Send + Sync> {
    Box::new(std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "fault layer: connection cut",
    ))
}

fn s3_error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>oauth-chaos-fault</RequestId></Error>"
    );
    let mut response = Response::new(Body::from(Bytes::from(xml)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/xml"),
    );
    response
}

fn dated(mut response: Response<Body>, now: std::time::SystemTime) -> Response<Body> {
    if let Ok(date) = http::HeaderValue::from_str(&httpdate::fmt_http_date(now)) {
        response.headers_mut().insert(http::header::DATE, date);
    }
    response
}

/// S3's answer to a request signed more than 15 minutes from the server's
/// time.
fn too_skewed() -> Response<Body> {
    s3_error(
        StatusCode::FORBIDDEN,
        "RequestTimeTooSkewed",
        "The difference between the request time and the current time is too large.",
    )
}

impl hyper::service::Service<Request<Incoming>> for FaultService {
    type Response = Response<Body>;
    type Error = Box<dyn std::error::Error + Send + Sync>;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>,
    >;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let now = self.clock.now();
        if let Some(signed) = signed_at(request.headers(), request.uri())
            && distance(now, signed) > MAX_REQUEST_SKEW
        {
            return Box::pin(std::future::ready(Ok(dated(too_skewed(), now))));
        }
        let verdict = self.faults.verdict(request.method());
        let inner = self.inner.clone();
        let log = self.log.clone();
        let commit_clock = self.clock.clone();
        // Bodies are read whole (token objects are small) so a committed
        // write can be logged with what it wrote.
        let serve = move |request: Request<Incoming>| async move {
            let (parts, body) = request.into_parts();
            let body = http_body_util::BodyExt::collect(body)
                .await
                .map_err(|error| -> Self::Error { Box::new(error) })?
                .to_bytes();
            let put = parts.method == Method::PUT;
            let path = parts.uri.path().trim_start_matches('/').to_owned();
            let request = Request::from_parts(parts, http_body_util::Full::new(body.clone()));
            let mut service = inner;
            let response = tower::Service::call(&mut service, request)
                .await
                .map_err(|error| -> Self::Error { format!("s3s: {error:?}").into() })?;
            if put && response.status().is_success() {
                log.push(CommittedWrite {
                    path,
                    body,
                    at: commit_clock.now(),
                });
            }
            Ok(response)
        };
        let clock = self.clock.clone();
        let answer = async move {
            match verdict {
                None => serve(request).await,
                Some(BucketFault::Latency(delay)) => {
                    tokio::time::sleep(delay).await;
                    serve(request).await
                }
                Some(BucketFault::InternalError) => Ok(s3_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalError",
                    "We encountered an internal error. Please try again.",
                )),
                Some(BucketFault::ServiceUnavailable) => Ok(s3_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "ServiceUnavailable",
                    "Service is unable to handle request.",
                )),
                Some(BucketFault::SlowDown) => Ok(s3_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "SlowDown",
                    "Please reduce your request rate.",
                )),
                Some(BucketFault::Reset | BucketFault::Outage) => Err(cut()),
                Some(BucketFault::AckLost) => {
                    let served = serve(request).await?;
                    // Drain the answer so the write is complete, then lose it.
                    drop(served);
                    Err(cut())
                }
            }
        };
        // S3 dates its answers; by the server's clock, not hyper's (the
        // machine's), so a run's timeline moves it too.
        Box::pin(async move { Ok(dated(answer.await?, clock.now())) })
    }
}
