//! The provider's signing keys, cached as its `Cache-Control` allows.
//!
//! An id_token whose `kid` is not cached triggers one re-fetch, so a key rotation
//! does not fail a login; but such re-fetches happen at most once per
//! `min_refetch_interval`, so a stream of tokens with invented `kid`s cannot make
//! this cache hammer the provider (or time the fetches). Scheduled fetches (the
//! cached set went stale, or the last fetch failed) are paced by the same interval
//! on their own, so a rotation right after a scheduled fetch still gets its re-fetch. The lock is held across the fetch: concurrent
//! verifications share one request.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use jsonwebtoken::DecodingKey;

use super::error::SignInError;
use crate::clock::Clock;
use crate::transport::HttpTransport;

/// Freshness when the JWKS answer carries no usable `Cache-Control`.
pub(crate) const DEFAULT_FRESHNESS: Duration = Duration::from_secs(5 * 60);
/// The longest a JWKS is trusted without asking again, whatever `max-age` says.
pub(crate) const MAX_FRESHNESS: Duration = Duration::from_secs(24 * 60 * 60);

struct Cached {
    keys: BTreeMap<String, DecodingKey>,
    fresh_until: SystemTime,
}

#[derive(Default)]
struct CacheState {
    cached: Option<Cached>,
    /// When the last fetch was sent, successful or not.
    last_fetch: Option<SystemTime>,
    /// When the last re-fetch for an unknown `kid` was sent.
    last_kid_refetch: Option<SystemTime>,
    fetches: u64,
}

/// A cache of the provider's JWKS.
pub(crate) struct JwksCache {
    url: String,
    transport: Arc<dyn HttpTransport>,
    clock: Arc<dyn Clock>,
    min_refetch_interval: Duration,
    state: tokio::sync::Mutex<CacheState>,
}

impl fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksCache")
            .field("url", &self.url)
            .field("min_refetch_interval", &self.min_refetch_interval)
            .finish_non_exhaustive()
    }
}

/// What a lookup found.
pub(crate) enum Lookup {
    Found(DecodingKey),
    /// Not in the JWKS, even after the one re-fetch allowed.
    Unknown,
}

impl JwksCache {
    pub fn new(
        url: String,
        transport: Arc<dyn HttpTransport>,
        clock: Arc<dyn Clock>,
        min_refetch_interval: Duration,
    ) -> Self {
        Self {
            url,
            transport,
            clock,
            min_refetch_interval,
            state: tokio::sync::Mutex::default(),
        }
    }

    /// How many times the JWKS was fetched so far.
    pub async fn fetches(&self) -> u64 {
        self.state.lock().await.fetches
    }

    /// The key for `kid`: from the cache while fresh, else after a fetch; an unknown
    /// `kid` costs at most one fetch per `min_refetch_interval`.
    pub async fn key(&self, kid: &str) -> Result<Lookup, SignInError> {
        let mut state = self.state.lock().await;
        let now = self.clock.now();
        let stale = state
            .cached
            .as_ref()
            .is_none_or(|cached| now >= cached.fresh_until);
        if stale && self.elapsed(state.last_fetch, now) {
            if let Err(error) = self.fetch(&mut state, now).await {
                // A stale copy that has the key beats failing every login during a
                // provider hiccup; with no copy at all there is nothing to verify with.
                if !state
                    .cached
                    .as_ref()
                    .is_some_and(|c| c.keys.contains_key(kid))
                {
                    return Err(error);
                }
                tracing::warn!(%error, "jwks refresh failed; using the cached keys");
            }
        }
        if let Some(key) = state.cached.as_ref().and_then(|c| c.keys.get(kid)) {
            return Ok(Lookup::Found(key.clone()));
        }
        if state.cached.is_none() {
            // The last fetch failed moments ago; no key set to judge the token by.
            return Err(SignInError::JwksUnavailable {
                reason: "no key set fetched yet; retrying after the refetch interval".to_owned(),
            });
        }
        if !self.elapsed(state.last_kid_refetch, now) {
            return Ok(Lookup::Unknown);
        }
        state.last_kid_refetch = Some(now);
        // A `kid` we do not know: perhaps the provider rotated. Ask once.
        tracing::debug!("unknown jwks kid; fetching the jwks once");
        self.fetch(&mut state, now).await?;
        Ok(match state.cached.as_ref().and_then(|c| c.keys.get(kid)) {
            Some(key) => Lookup::Found(key.clone()),
            None => Lookup::Unknown,
        })
    }

    /// No `last`, or at least `min_refetch_interval` since it.
    fn elapsed(&self, last: Option<SystemTime>, now: SystemTime) -> bool {
        last.is_none_or(|last| {
            // A clock that went back makes `last` look future: allow a fetch.
            now.duration_since(last)
                .map_or(true, |since| since >= self.min_refetch_interval)
        })
    }

    async fn fetch(&self, state: &mut CacheState, now: SystemTime) -> Result<(), SignInError> {
        state.last_fetch = Some(now);
        state.fetches += 1;
        let unavailable = |reason: String| SignInError::JwksUnavailable { reason };
        let request = http::Request::get(&self.url)
            .header(http::header::ACCEPT, "application/json")
            .body(Vec::new())
            .map_err(|_| unavailable("the jwks url is not a valid uri".to_owned()))?;
        let response = self
            .transport
            .send(request)
            .await
            .map_err(|error| unavailable(error.to_string()))?;
        if !response.status().is_success() {
            return Err(unavailable(format!("http {}", response.status().as_u16())));
        }
        let keys = parse_jwks(response.body())
            .ok_or_else(|| unavailable("the jwks is not a json key set".to_owned()))?;
        let freshness = freshness(response.headers()).max(self.min_refetch_interval);
        state.cached = Some(Cached {
            keys,
            fresh_until: now.checked_add(freshness).unwrap_or(now),
        });
        Ok(())
    }
}

#[derive(serde::Deserialize)]
struct KeySet {
    keys: Vec<Jwk>,
}

#[derive(serde::Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default, rename = "use")]
    usage: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

/// RSA signing keys with a `kid`; anything else in the set is ignored.
fn parse_jwks(body: &[u8]) -> Option<BTreeMap<String, DecodingKey>> {
    let set: KeySet = serde_json::from_slice(body).ok()?;
    let keys = set
        .keys
        .into_iter()
        .filter(|jwk| jwk.kty == "RSA")
        .filter(|jwk| jwk.alg.as_deref().is_none_or(|alg| alg == "RS256"))
        .filter(|jwk| jwk.usage.as_deref().is_none_or(|usage| usage == "sig"))
        .filter_map(|jwk| {
            let key =
                DecodingKey::from_rsa_components(jwk.n.as_deref()?, jwk.e.as_deref()?).ok()?;
            Some((jwk.kid?, key))
        })
        .collect();
    Some(keys)
}

/// `Cache-Control: max-age` less `Age`, capped; `no-store`/`no-cache` mean zero
/// (the caller still floors it at the refetch interval).
fn freshness(headers: &http::HeaderMap) -> Duration {
    let Some(value) = headers
        .get(http::header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
    else {
        return DEFAULT_FRESHNESS;
    };
    let mut max_age = None;
    for directive in value.split(',').map(str::trim) {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Duration::ZERO;
        }
        if let Some(seconds) = lower.strip_prefix("max-age=") {
            max_age = seconds.trim_matches('"').parse::<u64>().ok();
        }
    }
    let Some(max_age) = max_age else {
        return DEFAULT_FRESHNESS;
    };
    let age = headers
        .get(http::header::AGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    Duration::from_secs(max_age.saturating_sub(age)).min(MAX_FRESHNESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> http::HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    http::HeaderName::from_static(name),
                    http::HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    #[test]
    fn freshness_follows_max_age_less_age_and_is_capped() {
        let secs = Duration::from_secs;
        assert_eq!(
            freshness(&headers(&[(
                "cache-control",
                "public, max-age=19845, must-revalidate"
            )])),
            secs(19845)
        );
        assert_eq!(
            freshness(&headers(&[
                ("cache-control", "max-age=600"),
                ("age", "100")
            ])),
            secs(500)
        );
        assert_eq!(
            freshness(&headers(&[("cache-control", "max-age=99999999")])),
            MAX_FRESHNESS
        );
        assert_eq!(
            freshness(&headers(&[("cache-control", "no-cache")])),
            Duration::ZERO
        );
        assert_eq!(
            freshness(&headers(&[("cache-control", "public")])),
            DEFAULT_FRESHNESS
        );
        assert_eq!(freshness(&headers(&[])), DEFAULT_FRESHNESS);
    }

    #[test]
    fn only_rsa_signing_keys_with_a_kid_are_kept() {
        let n = "ty62RCtCKTEjYoiX6XrABZVie1pJ2FSozJLCsHQPyFIS9Z1i6KC_gIv2Ke2JzpCT66rTvpsZuyvYYfeeQcFaYvG_SaEsV6AU09eqYZxwFMFUNy0gUK3ZX62z65liUVTW48tfxsR8gR9gc4F0-l5XQIVuM5hZmBPxzzNp1xH1E24KPWXHM27cyVyBZMxgp1hsGBkk6tCg_A1Fm9b-X9wXnh7wE-Vc6XK4K6TK9bNRuNrkGVg2XfrNsfgpAiJRa3DJ1oRsyJ42nsgi3_DSmctcTxJihElE-XnkM12GSGmFDPHUOzkqf5dsXmPYJBRb-C4uLsw-f4eQRLmFia4O4ZUREw";
        let body = serde_json::json!({"keys": [
            {"kty": "RSA", "kid": "a", "alg": "RS256", "use": "sig", "n": n, "e": "AQAB"},
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": n, "e": "AQAB"},
            {"kty": "RSA", "kid": "hs", "alg": "HS256", "n": n, "e": "AQAB"},
            {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "x", "y": "y"},
            {"kty": "RSA", "n": n, "e": "AQAB"},
        ]});
        let keys = parse_jwks(body.to_string().as_bytes()).expect("a key set");
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["a"]);
        assert!(parse_jwks(b"<html>").is_none());
    }
}
