//! A fault as data: the one description the admin API reads from JSON
//! (`POST /__admin/faults`) and the harness's scenario steps build, so the
//! ranges (`crate::limits`) and the way a description becomes a [`Fault`]
//! are written once.

use crate::limits::{self, InvalidValue};
use crate::{Endpoint, Fault, FaultTarget};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Which requests (the target fields), how often (the limits) and what
/// happens to them (`action`). Absent fields match everything; `endpoint`
/// absent is every endpoint.
///
/// As JSON (the admin API):
///
/// ```json
/// {"endpoint": "token", "times": 2, "action": {"kind": "server_error", "status": 503}}
/// ```
///
/// In Rust:
///
/// ```
/// use mock_provider::{Endpoint, FaultActionSpec, FaultSpec};
/// let spec = FaultSpec {
///     endpoint: Some(Endpoint::Token),
///     times: Some(2),
///     ..FaultSpec::new(FaultActionSpec::ServerError { status: 503 })
/// };
/// let fault = spec.into_fault(std::time::SystemTime::now()).unwrap();
/// assert_eq!(fault.label(), "server error 503");
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec<A = FaultActionSpec> {
    /// Only this endpoint (absent: every endpoint).
    pub endpoint: Option<Endpoint>,
    /// Only this HTTP method.
    pub method: Option<String>,
    /// Only requests of this client.
    pub client_id: Option<String>,
    /// Only requests concerning this account.
    pub account: Option<String>,
    /// Only token requests of this grant type.
    pub grant_type: Option<String>,
    /// Provider time window start, unix milliseconds.
    pub from_unix_ms: Option<u64>,
    /// Provider time window end (exclusive), unix milliseconds.
    pub until_unix_ms: Option<u64>,
    /// Apply to the first `times` matching requests only.
    pub times: Option<u64>,
    /// Apply to every `every`-th matching request.
    pub every: Option<u64>,
    /// Apply with this probability (seeded).
    pub probability: Option<f64>,
    /// The label journal entries and the fault list show.
    pub label: Option<String>,
    /// What happens to a matched request.
    pub action: A,
}

/// What a [`FaultSpec`] does to a matched request; in JSON tagged by
/// `kind` (`{"kind": "delay", "ms": 500}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultActionSpec {
    /// Answer `status` with `headers` and `body` instead of the handler.
    Respond {
        /// A final status, 200 to 599.
        status: u16,
        /// Extra response headers (no framing headers).
        #[serde(default)]
        headers: BTreeMap<String, String>,
        /// The body, at most 32 KiB.
        #[serde(default)]
        body: String,
    },
    /// Google's 5xx error body.
    ServerError {
        /// 500 to 599.
        status: u16,
    },
    /// 429 with a `Retry-After` header.
    RateLimited {
        /// The header's wait, at most a day (JSON: `retry_after_secs`).
        #[serde(rename = "retry_after_secs", deserialize_with = "secs")]
        retry_after: Duration,
    },
    /// Gmail's message-only 429: "Retry after <time>" in the body, the time
    /// `retry_after` after the fault is built.
    UserRateLimit {
        /// At most a day (JSON: `retry_after_secs`).
        #[serde(rename = "retry_after_secs", deserialize_with = "secs")]
        retry_after: Duration,
    },
    /// A 200 whose JSON body is cut short.
    TruncatedJson {},
    /// Google's HTML error page with `status` (400 to 599).
    HtmlErrorPage {
        /// 400 to 599.
        status: u16,
    },
    /// A 200 JSON body labelled `text/html`.
    WrongContentType {},
    /// A 5xx whose body looks like a token response.
    TokenShapedServerError {},
    /// Hold the request this long, then handle it (JSON: `ms`).
    Delay {
        /// At most an hour.
        #[serde(rename = "ms", deserialize_with = "millis")]
        delay: Duration,
    },
    /// Hold the request a seeded time in `[min, max]` (JSON: `min_ms`,
    /// `max_ms`).
    DelayUniform {
        /// At most an hour.
        #[serde(rename = "min_ms", deserialize_with = "millis")]
        min: Duration,
        /// At most an hour, at least `min`.
        #[serde(rename = "max_ms", deserialize_with = "millis")]
        max: Duration,
    },
    /// Hold the request a seeded log-normal time (JSON: `median_ms`).
    DelayLogNormal {
        /// At most an hour.
        #[serde(rename = "median_ms", deserialize_with = "millis")]
        median: Duration,
        /// 0 to 10.
        sigma: f64,
    },
    /// Drop the connection before the handler runs.
    Reset {},
    /// Run the handler (its effects stay), then drop the connection.
    AckLost {},
    /// Never answer.
    Hang {},
}

fn millis<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    u64::deserialize(deserializer).map(Duration::from_millis)
}

fn secs<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    u64::deserialize(deserializer).map(Duration::from_secs)
}

impl<A> FaultSpec<A> {
    /// `action` on every request of every endpoint, no limits.
    pub fn new(action: A) -> Self {
        Self {
            endpoint: None,
            method: None,
            client_id: None,
            account: None,
            grant_type: None,
            from_unix_ms: None,
            until_unix_ms: None,
            times: None,
            every: None,
            probability: None,
            label: None,
            action,
        }
    }

    /// The same targets and limits with the action `map` makes of this one.
    pub fn try_map_action<B, E>(
        self,
        map: impl FnOnce(A) -> Result<B, E>,
    ) -> Result<FaultSpec<B>, E> {
        Ok(FaultSpec {
            action: map(self.action)?,
            endpoint: self.endpoint,
            method: self.method,
            client_id: self.client_id,
            account: self.account,
            grant_type: self.grant_type,
            from_unix_ms: self.from_unix_ms,
            until_unix_ms: self.until_unix_ms,
            times: self.times,
            every: self.every,
            probability: self.probability,
            label: self.label,
        })
    }

    /// Checks every limit and target field against its documented range.
    pub fn check(&self) -> Result<(), InvalidValue> {
        if let Some(times) = self.times {
            limits::at_least("times", times, 1)?;
        }
        if let Some(every) = self.every {
            limits::at_least("every", every, 1)?;
        }
        if let Some(p) = self.probability {
            limits::within_f64("probability", p, 0.0, 1.0)?;
        }
        if let Some(method) = &self.method {
            http::Method::from_bytes(method.as_bytes()).map_err(|_| InvalidValue {
                field: "method".to_owned(),
                message: format!("`{method}` is not an HTTP method"),
            })?;
        }
        if let Some(label) = &self.label {
            limits::single_line("label", label, limits::MAX_LABEL_CHARS)?;
        }
        let window = [
            ("from_unix_ms", self.from_unix_ms),
            ("until_unix_ms", self.until_unix_ms),
        ];
        for (field, value) in window {
            if let Some(ms) = value {
                limits::within(field, ms, 0, limits::MAX_UNIX_MS)?;
            }
        }
        if let (Some(from), Some(until)) = (self.from_unix_ms, self.until_unix_ms)
            && from >= until
        {
            return Err(InvalidValue {
                field: "until_unix_ms".to_owned(),
                message: format!("the window [{from}, {until}) is empty"),
            });
        }
        Ok(())
    }

    fn target(&self) -> FaultTarget {
        let at = |ms: u64| UNIX_EPOCH + Duration::from_millis(ms);
        let mut target = match self.endpoint {
            Some(endpoint) => Fault::on(endpoint),
            None => Fault::on_any(),
        };
        if let Some(method) = &self.method {
            target = target.method(method.clone());
        }
        if let Some(client_id) = &self.client_id {
            target = target.client(client_id.clone());
        }
        if let Some(account) = &self.account {
            target = target.account(account.clone());
        }
        if let Some(grant_type) = &self.grant_type {
            target = target.grant_type(grant_type.clone());
        }
        if let Some(from) = self.from_unix_ms {
            target = target.from_time(at(from));
        }
        if let Some(until) = self.until_unix_ms {
            target = target.until_time(at(until));
        }
        target
    }
}

impl FaultSpec {
    /// Checks the whole description and builds the fault; `now` (provider
    /// time) anchors relative times (`user_rate_limit`).
    pub fn into_fault(self, now: SystemTime) -> Result<Fault, InvalidValue> {
        self.check()?;
        let target = self.target();
        let mut fault = self.action.finish(target, now)?;
        if let Some(times) = self.times {
            fault = fault.times(times);
        }
        if let Some(every) = self.every {
            fault = fault.every(every);
        }
        if let Some(p) = self.probability {
            fault = fault.probability(p);
        }
        if let Some(label) = self.label {
            fault = fault.labelled(label);
        }
        Ok(fault)
    }
}

fn delay(field: &str, delay: Duration) -> Result<Duration, InvalidValue> {
    let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
    limits::within(field, ms, 0, limits::MAX_DELAY_MS).map(|_| delay)
}

fn retry_after(wait: Duration) -> Result<Duration, InvalidValue> {
    limits::within(
        "action.retry_after_secs",
        wait.as_secs(),
        0,
        limits::MAX_RETRY_AFTER_SECS,
    )
    .map(|_| wait)
}

impl FaultActionSpec {
    /// Checks the action's fields against their ranges and finishes `target`.
    fn finish(self, target: FaultTarget, now: SystemTime) -> Result<Fault, InvalidValue> {
        let status = |code, low, high| limits::status("action.status", code, low, high);
        Ok(match self {
            Self::Respond {
                status: code,
                headers,
                body,
            } => {
                let status = status(code, 200, 599)?;
                for (name, value) in &headers {
                    limits::response_header(name, value)?;
                }
                if body.len() > limits::MAX_BODY_BYTES {
                    return Err(InvalidValue {
                        field: "action.body".to_owned(),
                        message: format!(
                            "is {} bytes; the limit is {}",
                            body.len(),
                            limits::MAX_BODY_BYTES
                        ),
                    });
                }
                target.respond_with(status, headers.into_iter().collect(), body)
            }
            Self::ServerError { status: code } => {
                target.server_error(status(code, 500, 599)?.as_u16())
            }
            Self::RateLimited { retry_after: wait } => target.rate_limited(retry_after(wait)?),
            Self::UserRateLimit { retry_after: wait } => {
                let retry_at = now.checked_add(retry_after(wait)?).unwrap_or(now);
                target.user_rate_limit_until(crate::provider::clamp_time(retry_at))
            }
            Self::TruncatedJson {} => target.truncated_json(),
            Self::HtmlErrorPage { status: code } => {
                target.html_error_page(status(code, 400, 599)?.as_u16())
            }
            Self::WrongContentType {} => target.wrong_content_type(),
            Self::TokenShapedServerError {} => target.token_shaped_server_error(),
            Self::Delay { delay: wait } => target.delay(delay("action.ms", wait)?),
            Self::DelayUniform { min, max } => {
                let min = delay("action.min_ms", min)?;
                let max = delay("action.max_ms", max)?;
                if min > max {
                    return Err(InvalidValue {
                        field: "action.max_ms".to_owned(),
                        message: format!(
                            "`{}` is below `min_ms` `{}`",
                            max.as_millis(),
                            min.as_millis()
                        ),
                    });
                }
                target.delay_uniform(min, max)
            }
            Self::DelayLogNormal { median, sigma } => {
                let median = delay("action.median_ms", median)?;
                let sigma = limits::within_f64("action.sigma", sigma, 0.0, limits::MAX_SIGMA)?;
                target.delay_log_normal(median, sigma)
            }
            Self::Reset {} => target.reset(),
            Self::AckLost {} => target.ack_lost(),
            Self::Hang {} => target.hang(),
        })
    }
}
