//! `gmail_fault`: a mock fault on a Gmail endpoint (or each of them) until
//! `until`.

use super::{Check, Invalid, StepKind};
use crate::run::{RetryAsked, Stage};
use mock_provider::{Endpoint, FaultActionSpec, FaultSpec};
use schemars::JsonSchema;
use serde::Deserialize;
use std::time::Duration;

/// Which Gmail endpoint a `gmail_fault` targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GmailFaultEndpoint {
    /// `users.getProfile`.
    Profile,
    /// `users.messages.list` (also the outbox's Sent lookup).
    List,
    /// `users.messages.get`.
    Get,
    /// `users.history.list`.
    History,
    /// `users.messages.send`.
    Send,
    /// Each of the above (one fault per endpoint).
    All,
}

impl GmailFaultEndpoint {
    /// The mock's endpoints it stands for.
    fn endpoints(self) -> &'static [Endpoint] {
        match self {
            Self::Profile => &[Endpoint::GmailProfile],
            Self::List => &[Endpoint::GmailMessagesList],
            Self::Get => &[Endpoint::GmailMessagesGet],
            Self::History => &[Endpoint::GmailHistory],
            Self::Send => &[Endpoint::GmailSend],
            Self::All => &[
                Endpoint::GmailProfile,
                Endpoint::GmailMessagesList,
                Endpoint::GmailMessagesGet,
                Endpoint::GmailHistory,
                Endpoint::GmailSend,
            ],
        }
    }
}

/// What a `gmail_fault` does to a matched request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GmailFaultKind {
    /// Answer `status` (500 to 599) with Gmail's backend error body.
    Status,
    /// 429 with a `Retry-After` header of `retry_after`.
    RateLimited,
    /// Gmail's message-only 429: "User-rate limit exceeded.  Retry after
    /// <time>" in the body (the time is `retry_after` after the fault is
    /// mounted), no header.
    UserRateLimit,
    /// Handle the request (its effects stay), then drop the connection: the
    /// client never learns it worked.
    AckLost,
    /// Drop the connection without handling the request.
    Reset,
    /// Hold each request for `delay`, then handle it.
    Delay,
}

/// Parameters of `gmail_fault`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GmailFault {
    /// Which endpoint.
    pub endpoint: GmailFaultEndpoint,
    /// What happens.
    pub kind: GmailFaultKind,
    /// Only requests concerning this account.
    #[serde(default)]
    pub account: Option<String>,
    /// For `kind = "status"`.
    #[serde(default)]
    pub status: Option<u16>,
    /// For `rate_limited` and `user_rate_limit` (default 30s).
    #[serde(default, with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub retry_after: Option<Duration>,
    /// For `kind = "delay"`.
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
}

impl StepKind for GmailFault {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.maybe_account("gmail_fault.account", self.account.as_ref())?;
        match self.kind {
            GmailFaultKind::Status => match self.status {
                None => Err((
                    "gmail_fault.status".into(),
                    "`kind = \"status\"` needs a `status` to answer with".into(),
                )),
                Some(status) => check.http_status("gmail_fault.status", status),
            },
            GmailFaultKind::Delay if self.delay.is_none() => Err((
                "gmail_fault.delay".into(),
                "`kind = \"delay\"` needs a `delay`".into(),
            )),
            _ => Ok(()),
        }?;
        check.fault_spec("gmail_fault", self.spec(Endpoint::GmailProfile))
    }

    /// One mock fault per targeted endpoint.
    fn play(self, stage: &mut Stage<'_>) {
        let retry_after = self.retry_after.unwrap_or(Duration::from_secs(30));
        let header = (self.kind == GmailFaultKind::RateLimited).then_some(retry_after);
        // The message's retry time is counted from the mount (provider time).
        let message = (self.kind == GmailFaultKind::UserRateLimit)
            .then(|| stage.world.provider_clock.now() + retry_after);
        let retry = RetryAsked { header, message };
        for endpoint in self.endpoint.endpoints() {
            stage.mount_spec("gmail_fault", self.spec(*endpoint), retry, self.until);
        }
    }
}

impl GmailFault {
    /// The step on `endpoint` as the mock's one fault description.
    fn spec(&self, endpoint: Endpoint) -> FaultSpec {
        let retry_after = self.retry_after.unwrap_or(Duration::from_secs(30));
        let action = match self.kind {
            GmailFaultKind::Status => FaultActionSpec::ServerError {
                status: self.status.unwrap_or(503),
            },
            GmailFaultKind::RateLimited => FaultActionSpec::RateLimited { retry_after },
            GmailFaultKind::UserRateLimit => FaultActionSpec::UserRateLimit { retry_after },
            GmailFaultKind::AckLost => FaultActionSpec::AckLost {},
            GmailFaultKind::Reset => FaultActionSpec::Reset {},
            GmailFaultKind::Delay => FaultActionSpec::Delay {
                delay: self.delay.unwrap_or_default(),
            },
        };
        FaultSpec {
            endpoint: Some(endpoint),
            account: self.account.clone(),
            times: self.times,
            ..FaultSpec::new(action)
        }
    }
}
