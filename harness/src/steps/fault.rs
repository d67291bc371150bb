//! `fault`: a mock-provider fault rule on one OAuth endpoint (or every
//! endpoint) until `until`, built as the mock's `FaultSpec`.

use super::{Check, Invalid, StepKind};
use crate::run::{RetryAsked, Stage};
use mock_provider::{Endpoint, FaultActionSpec, FaultSpec};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Which provider endpoint a fault targets (Gmail's: `gmail_fault`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FaultEndpoint {
    /// `POST /token`.
    Token,
    /// `GET /o/oauth2/v2/auth`.
    Authorize,
    /// `POST /revoke`.
    Revoke,
    /// `GET /tokeninfo`.
    Tokeninfo,
    /// `GET`/`POST /v1/userinfo`.
    Userinfo,
    /// `POST /device/code`.
    DeviceCode,
    /// The discovery documents.
    Discovery,
    /// `GET /oauth2/v3/certs`.
    Jwks,
    /// Every endpoint.
    Any,
}

impl FaultEndpoint {
    /// The mock's endpoint (`None`: every endpoint).
    fn endpoint(self) -> Option<Endpoint> {
        Some(match self {
            Self::Token => Endpoint::Token,
            Self::Authorize => Endpoint::Authorize,
            Self::Revoke => Endpoint::Revoke,
            Self::Tokeninfo => Endpoint::TokenInfo,
            Self::Userinfo => Endpoint::UserInfo,
            Self::DeviceCode => Endpoint::DeviceCode,
            Self::Discovery => Endpoint::Discovery,
            Self::Jwks => Endpoint::Jwks,
            Self::Any => return None,
        })
    }
}

/// Parameters of `fault`: a mock-provider fault rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultStep {
    /// Which endpoint.
    pub endpoint: FaultEndpoint,
    /// Only requests concerning this account.
    #[serde(default)]
    pub account: Option<String>,
    /// Answer with this HTTP status instead of the handler.
    #[serde(default)]
    pub status: Option<u16>,
    /// The body answered with `status` (default `{"error":"backend_error"}`).
    #[serde(default)]
    pub body: Option<String>,
    /// Extra headers answered with `status`, e.g. `{ "retry-after" = "30" }`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Hold each matched request this long, then handle it normally.
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub delay: Option<Duration>,
    /// Apply to the first `times` matching requests only.
    #[serde(default)]
    pub times: Option<u64>,
    /// Unmount at this time from the start of the run (default: the end).
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub until: Option<Duration>,
    /// Drop the connection instead of answering: `ack_lost` (the provider
    /// does the work, e.g. issues or rotates a token, then the answer is
    /// lost), `reset` (dropped before any work) or `hang` (never answers).
    #[serde(default)]
    pub connection: Option<ConnectionFault>,
}

/// How a `fault` step drops the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionFault {
    /// The handler runs and its effects stay; then the connection drops.
    AckLost,
    /// The connection drops before the handler runs.
    Reset,
    /// The request is never answered (the client's timeout decides).
    Hang,
}

impl FaultStep {
    /// The `Retry-After` delay the fault answers with, if it has one in seconds.
    pub fn retry_after(&self) -> Option<Duration> {
        self.headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("retry-after"))
            .and_then(|(_, value)| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs)
    }

    /// The step as the mock's one fault description.
    fn spec(&self) -> FaultSpec {
        let action = match (self.connection, self.status) {
            (Some(ConnectionFault::AckLost), _) => FaultActionSpec::AckLost {},
            (Some(ConnectionFault::Reset), _) => FaultActionSpec::Reset {},
            (Some(ConnectionFault::Hang), _) => FaultActionSpec::Hang {},
            (None, Some(status)) => {
                let mut headers = BTreeMap::from([(
                    "content-type".to_owned(),
                    "application/json; charset=utf-8".to_owned(),
                )]);
                headers.extend(self.headers.clone());
                FaultActionSpec::Respond {
                    status,
                    headers,
                    body: self
                        .body
                        .clone()
                        .unwrap_or_else(|| r#"{"error":"backend_error"}"#.to_owned()),
                }
            }
            (None, None) => FaultActionSpec::Delay {
                delay: self.delay.unwrap_or_default(),
            },
        };
        FaultSpec {
            endpoint: self.endpoint.endpoint(),
            account: self.account.clone(),
            times: self.times,
            ..FaultSpec::new(action)
        }
    }
}

impl StepKind for FaultStep {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.maybe_account("fault.account", self.account.as_ref())?;
        match (self.status, self.delay) {
            (Some(_), _) | (_, Some(_)) if self.connection.is_some() => Err((
                "fault.connection".into(),
                "a fault that drops the connection neither answers (`status`) nor delays (`delay`)".into(),
            )),
            (None, None) if self.connection.is_some() => Ok(()),
            (None, None) => Err((
                "fault.status".into(),
                "give a `status` to answer with, a `delay` to hold requests, or a `connection` fault".into(),
            )),
            (Some(_), Some(_)) => Err((
                "fault.delay".into(),
                "a fault either answers (`status`) or delays (`delay`), not both".into(),
            )),
            (Some(status), None) => check.http_status("fault.status", status),
            _ => Ok(()),
        }?;
        check.fault_spec("fault", self.spec())
    }

    fn play(self, stage: &mut Stage<'_>) {
        let retry = RetryAsked {
            header: self.retry_after(),
            message: None,
        };
        stage.mount_spec("fault", self.spec(), retry, self.until);
    }
}
