use super::errors::AdminError;
use crate::{Endpoint, Fault, FaultTarget};
use http::StatusCode;
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
    /// Read in a second step (see [`parse_action`]) so errors name the
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

fn status(code: u16) -> Result<StatusCode, AdminError> {
    StatusCode::from_u16(code)
        .ok()
        .filter(|_| (100..=599).contains(&code))
        .ok_or_else(|| AdminError::InvalidValue {
            field: "action.status",
            message: format!("`{code}` is not an HTTP status"),
        })
}

impl FaultSpec {
    /// Builds the fault; `now` anchors relative times (`user_rate_limit`).
    pub fn into_fault(self, now: SystemTime) -> Result<Fault, AdminError> {
        if let Some(p) = self.probability.filter(|p| !(0.0..=1.0).contains(p)) {
            return Err(AdminError::InvalidValue {
                field: "probability",
                message: format!("`{p}` is not between 0 and 1"),
            });
        }
        let mut target = match self.endpoint {
            Some(endpoint) => Fault::on(endpoint),
            None => Fault::on_any(),
        };
        target = apply_target(target, &self);
        let ms = Duration::from_millis;
        let mut fault = match parse_action(self.action)? {
            ActionSpec::Respond {
                status: code,
                headers,
                body,
            } => target.respond_with(status(code)?, headers.into_iter().collect(), body),
            ActionSpec::ServerError { status: code } => target.server_error(status(code)?.as_u16()),
            ActionSpec::RateLimited { retry_after_secs } => {
                target.rate_limited(Duration::from_secs(retry_after_secs))
            }
            ActionSpec::UserRateLimit { retry_after_secs } => {
                let retry_at = now.checked_add(Duration::from_secs(retry_after_secs));
                target.user_rate_limit_until(crate::provider::clamp_time(retry_at.unwrap_or(now)))
            }
            ActionSpec::TruncatedJson {} => target.truncated_json(),
            ActionSpec::HtmlErrorPage { status: code } => {
                target.html_error_page(status(code)?.as_u16())
            }
            ActionSpec::WrongContentType {} => target.wrong_content_type(),
            ActionSpec::TokenShapedServerError {} => target.token_shaped_server_error(),
            ActionSpec::Delay { ms: d } => target.delay(ms(d)),
            ActionSpec::DelayUniform { min_ms, max_ms } => {
                target.delay_uniform(ms(min_ms), ms(max_ms))
            }
            ActionSpec::DelayLogNormal { median_ms, sigma } => {
                target.delay_log_normal(ms(median_ms), sigma)
            }
            ActionSpec::Reset {} => target.reset(),
            ActionSpec::AckLost {} => target.ack_lost(),
            ActionSpec::Hang {} => target.hang(),
        };
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

/// `{"kind": K, ...fields}` -> the `K` variant, naming `action.FIELD` on error.
fn parse_action(value: serde_json::Value) -> Result<ActionSpec, AdminError> {
    let invalid = |field: &str, message: String| AdminError::InvalidField {
        field: field.to_owned(),
        message,
    };
    let serde_json::Value::Object(mut fields) = value else {
        return Err(invalid(
            "action",
            "expected an object with a `kind`".to_owned(),
        ));
    };
    let kind = match fields.remove("kind") {
        Some(serde_json::Value::String(kind)) => kind,
        _ => return Err(invalid("action.kind", "missing or not a string".to_owned())),
    };
    let tagged = serde_json::json!({ kind.as_str(): fields });
    serde_path_to_error::deserialize(tagged).map_err(|error| {
        let path = error.path().to_string();
        // The path starts with the kind; a bare path means the kind itself.
        let field = match path.split_once('.') {
            Some((_, rest)) if !rest.is_empty() => format!("action.{rest}"),
            _ => "action.kind".to_owned(),
        };
        invalid(&field, error.into_inner().to_string())
    })
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
