//! The server's clock, and S3's rule that a signed request must be dated
//! within 15 minutes of it (`403 RequestTimeTooSkewed`).
//!
//! `s3s` checks that rule against the machine's clock. A harness run whose
//! timeline jumps across quiet stretches moves every other clock with it
//! (the mock's, and each broker process's through libfaketime), so the
//! machine's clock would be the one that is wrong, and every request after
//! the first jump would be refused. The fault layer therefore judges the
//! rule on a [`ServerClock`] the harness can point at its timeline, and
//! `s3s`'s own check is widened out of the way.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use throwaway_bucket::ServerClock;
//!
//! let clock = ServerClock::default();
//! let ahead = SystemTime::now() + Duration::from_secs(3600);
//! clock.follow(move || ahead);
//! assert!(clock.now() > SystemTime::now() + Duration::from_secs(3000));
//! ```

use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use http::{HeaderMap, Uri};

/// S3's allowance between a request's `X-Amz-Date` and the server's time.
pub const MAX_REQUEST_SKEW: Duration = Duration::from_secs(15 * 60);

type WallClock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The wall clock the server dates requests by: the machine's until
/// [`follow`](Self::follow) points it elsewhere. Clones share the setting.
#[derive(Clone)]
pub struct ServerClock(Arc<RwLock<WallClock>>);

impl Default for ServerClock {
    fn default() -> Self {
        Self(Arc::new(RwLock::new(Arc::new(SystemTime::now))))
    }
}

impl std::fmt::Debug for ServerClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ServerClock").field(&self.now()).finish()
    }
}

impl ServerClock {
    /// From now on the server's time is what `now` says.
    pub fn follow(&self, now: impl Fn() -> SystemTime + Send + Sync + 'static) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(now);
    }

    /// The server's time.
    pub fn now(&self) -> SystemTime {
        let now = Arc::clone(&self.0.read().unwrap_or_else(PoisonError::into_inner));
        now()
    }
}

/// When a request says it was signed: its `X-Amz-Date` header, or the
/// `X-Amz-Date` query parameter of a presigned URL. `None` when it carries
/// neither in SigV4's `YYYYMMDDTHHMMSSZ` form (`s3s` then refuses it).
pub(crate) fn signed_at(headers: &HeaderMap, uri: &Uri) -> Option<SystemTime> {
    let header = headers
        .get("x-amz-date")
        .and_then(|value| value.to_str().ok());
    let query = || {
        uri.query()?.split('&').find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            name.eq_ignore_ascii_case("X-Amz-Date").then_some(value)
        })
    };
    parse_amz_date(header.or_else(query)?)
}

fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let at = time::PrimitiveDateTime::parse(text, &format)
        .ok()?
        .assume_utc();
    let seconds = u64::try_from(at.unix_timestamp()).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

/// How far apart two instants are, either way round.
pub(crate) fn distance(a: SystemTime, b: SystemTime) -> Duration {
    a.duration_since(b)
        .or_else(|_| b.duration_since(a))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(date: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-date", date.parse().expect("a header value"));
        headers
    }

    #[test]
    fn a_header_date_is_read_in_utc() {
        let at = signed_at(&headers("20261204T011927Z"), &Uri::from_static("/b/k"));
        let expected = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_347_167);
        assert_eq!(at, Some(expected));
    }

    #[test]
    fn a_presigned_url_carries_its_date_in_the_query() {
        let uri =
            Uri::from_static("/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261204T011927Z");
        assert!(signed_at(&HeaderMap::new(), &uri).is_some());
    }

    #[test]
    fn a_malformed_or_missing_date_is_none() {
        let uri = Uri::from_static("/b/k");
        assert_eq!(signed_at(&headers("2026-12-04T01:19:27Z"), &uri), None);
        assert_eq!(signed_at(&HeaderMap::new(), &uri), None);
    }

    #[test]
    fn distance_is_the_same_either_way_round() {
        let a = SystemTime::UNIX_EPOCH + Duration::from_secs(100);
        let b = SystemTime::UNIX_EPOCH + Duration::from_secs(40);
        assert_eq!(distance(a, b), Duration::from_secs(60));
        assert_eq!(distance(b, a), Duration::from_secs(60));
    }
}
