use super::errors::{AdminError, parse_tagged};
use super::ranges;
use crate::{Endpoint, Fault, FaultTarget};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A fault as JSON: the target fields, the limits, and one action.
///
/// ```json
/// {"endpoint": "token", "times": 2, "action": {"kind": "server_error", "status": 503}}
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultSpec {
    endpoint: Option<Endpoint>,
    method: Option<String>,
    client_id: Option<String>,
    account: Option<String>,
    grant_type: Option<String>,
    /// Provider time window start, unix milliseconds.
    from_unix_ms: Option<u64>,
    /// Provider time window end (exclusive), unix milliseconds.
    until_unix_ms: Option<u64>,
    times: Option<u64>,
    every: Option<u64>,
    probability: Option<f64>,
    label: Option<String>,
    /// Read in a second step (see [`parse_tagged`]) so errors name the
    /// exact field: serde's internally tagged enums lose the path.
    action: serde_json::Value,
}

/// The action of a [`FaultSpec`], tagged by `kind` in the JSON.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum ActionSpec {
    Respond {
        status: u16,
        #[serde(default)]
        headers: BTreeMap<String, String>,
        #[serde(default)]
        body: String,
    },
    ServerError {
        status: u16,
    },
    RateLimited {
        retry_after_secs: u64,
    },
    UserRateLimit {
        retry_after_secs: u64,
    },
    TruncatedJson {},
    HtmlErrorPage {
        status: u16,
    },
    WrongContentType {},
    TokenShapedServerError {},
    Delay {
        ms: u64,
    },
    DelayUniform {
        min_ms: u64,
        max_ms: u64,
    },
    DelayLogNormal {
        median_ms: u64,
        sigma: f64,
    },
    Reset {},
    AckLost {},
    Hang {},
}

impl FaultSpec {
    /// Checks every limit and target field against its documented range.
    fn check(&self) -> Result<(), AdminError> {
        if let Some(times) = self.times {
            ranges::at_least("times", times, 1)?;
        }
        if let Some(every) = self.every {
            ranges::at_least("every", every, 1)?;
        }
        if let Some(p) = self.probability {
            ranges::within_f64("probability", p, 0.0, 1.0)?;
        }
        if let Some(method) = &self.method {
            http::Method::from_bytes(method.as_bytes()).map_err(|_| {
                AdminError::invalid_value("method", format!("`{method}` is not an HTTP method"))
            })?;
        }
        if let Some(label) = &self.label {
            ranges::single_line("label", label, ranges::MAX_LABEL_CHARS)?;
        }
        let window = [
            ("from_unix_ms", self.from_unix_ms),
            ("until_unix_ms", self.until_unix_ms),
        ];
        for (field, value) in window {
            if let Some(ms) = value {
                ranges::within(field, ms, 0, ranges::MAX_UNIX_MS)?;
            }
        }
        if let (Some(from), Some(until)) = (self.from_unix_ms, self.until_unix_ms)
            && from >= until
        {
            return Err(AdminError::invalid_value(
                "until_unix_ms",
                format!("the window [{from}, {until}) is empty"),
            ));
        }
        Ok(())
    }

    /// Builds the fault; `now` anchors relative times (`user_rate_limit`).
    pub fn into_fault(self, now: SystemTime) -> Result<Fault, AdminError> {
        self.check()?;
        let mut target = match self.endpoint {
            Some(endpoint) => Fault::on(endpoint),
            None => Fault::on_any(),
        };
        target = apply_target(target, &self);
        let action = parse_tagged::<ActionSpec>(self.action, "kind", "action.")?;
        let mut fault = action.into_fault(target, now)?;
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

fn delay_ms(field: &str, ms: u64) -> Result<Duration, AdminError> {
    ranges::within(field, ms, 0, ranges::MAX_DELAY_MS).map(Duration::from_millis)
}

fn retry_after(secs: u64) -> Result<Duration, AdminError> {
    ranges::within(
        "action.retry_after_secs",
        secs,
        0,
        ranges::MAX_RETRY_AFTER_SECS,
    )
    .map(Duration::from_secs)
}

impl ActionSpec {
    /// Checks the action's fields against their ranges and finishes `target`.
    fn into_fault(self, target: FaultTarget, now: SystemTime) -> Result<Fault, AdminError> {
        let status = |code, low, high| ranges::status("action.status", code, low, high);
        Ok(match self {
            Self::Respond {
                status: code,
                headers,
                body,
            } => {
                let status = status(code, 200, 599)?;
                for (name, value) in &headers {
                    ranges::response_header(name, value)?;
                }
                if body.len() > ranges::MAX_BODY_BYTES {
                    return Err(AdminError::invalid_value(
                        "action.body",
                        format!(
                            "is {} bytes; the limit is {}",
                            body.len(),
                            ranges::MAX_BODY_BYTES
                        ),
                    ));
                }
                target.respond_with(status, headers.into_iter().collect(), body)
            }
            Self::ServerError { status: code } => {
                target.server_error(status(code, 500, 599)?.as_u16())
            }
            Self::RateLimited { retry_after_secs } => {
                target.rate_limited(retry_after(retry_after_secs)?)
            }
            Self::UserRateLimit { retry_after_secs } => {
                let retry_at = now
                    .checked_add(retry_after(retry_after_secs)?)
                    .unwrap_or(now);
                target.user_rate_limit_until(crate::provider::clamp_time(retry_at))
            }
            Self::TruncatedJson {} => target.truncated_json(),
            Self::HtmlErrorPage { status: code } => {
                target.html_error_page(status(code, 400, 599)?.as_u16())
            }
            Self::WrongContentType {} => target.wrong_content_type(),
            Self::TokenShapedServerError {} => target.token_shaped_server_error(),
            Self::Delay { ms } => target.delay(delay_ms("action.ms", ms)?),
            Self::DelayUniform { min_ms, max_ms } => {
                let min = delay_ms("action.min_ms", min_ms)?;
                let max = delay_ms("action.max_ms", max_ms)?;
                if min > max {
                    return Err(AdminError::invalid_value(
                        "action.max_ms",
                        format!("`{max_ms}` is below `min_ms` `{min_ms}`"),
                    ));
                }
                target.delay_uniform(min, max)
            }
            Self::DelayLogNormal { median_ms, sigma } => {
                let median = delay_ms("action.median_ms", median_ms)?;
                let sigma = ranges::within_f64("action.sigma", sigma, 0.0, ranges::MAX_SIGMA)?;
                target.delay_log_normal(median, sigma)
            }
            Self::Reset {} => target.reset(),
            Self::AckLost {} => target.ack_lost(),
            Self::Hang {} => target.hang(),
        })
    }
}

fn apply_target(mut target: FaultTarget, spec: &FaultSpec) -> FaultTarget {
    let at = |ms: u64| UNIX_EPOCH + Duration::from_millis(ms);
    if let Some(method) = &spec.method {
        target = target.method(method.clone());
    }
    if let Some(client_id) = &spec.client_id {
        target = target.client(client_id.clone());
    }
    if let Some(account) = &spec.account {
        target = target.account(account.clone());
    }
    if let Some(grant_type) = &spec.grant_type {
        target = target.grant_type(grant_type.clone());
    }
    if let Some(from) = spec.from_unix_ms {
        target = target.from_time(at(from));
    }
    if let Some(until) = spec.until_unix_ms {
        target = target.until_time(at(until));
    }
    target
}
