use super::{Fault, FaultAction, Latency};
use crate::Endpoint;
use http::StatusCode;
use std::time::{Duration, SystemTime};

/// What the provider knows about a request before handling it; faults
/// match on this.
#[derive(Debug, Clone, Default)]
pub struct RequestFacts {
    /// Which endpoint.
    pub endpoint: Option<Endpoint>,
    /// HTTP method.
    pub method: String,
    /// The client the request names, if any.
    pub client_id: Option<String>,
    /// The account the request concerns, if known.
    pub account: Option<String>,
    /// `grant_type` of a token request.
    pub grant_type: Option<String>,
    /// Provider time the request arrived.
    pub at: Option<SystemTime>,
}

/// Which requests a fault will match. Finish it with an action
/// ([`respond`](Self::respond), [`delay`](Self::delay), [`reset`](Self::reset),
/// a built-in such as [`server_error`](Self::server_error), ...) to get a
/// [`Fault`].
#[derive(Debug, Clone, Default)]
#[must_use = "a target does nothing until it is given an action and mounted"]
pub struct FaultTarget {
    pub(super) endpoint: Option<Endpoint>,
    method: Option<String>,
    client_id: Option<String>,
    account: Option<String>,
    grant_type: Option<String>,
    from: Option<SystemTime>,
    until: Option<SystemTime>,
}

impl FaultTarget {
    pub(super) fn for_endpoint(endpoint: Endpoint) -> Self {
        Self {
            endpoint: Some(endpoint),
            ..Self::default()
        }
    }

    /// Only requests concerning this account.
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }

    /// Only token requests with this `grant_type`.
    pub fn grant_type(mut self, grant_type: impl Into<String>) -> Self {
        self.grant_type = Some(grant_type.into());
        self
    }

    /// Only requests with this HTTP method (case-insensitive).
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into().to_ascii_uppercase());
        self
    }

    /// Only requests from (or naming) this client.
    pub fn client(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Only requests arriving in `[from, until)` of provider time.
    pub fn during(mut self, from: SystemTime, until: SystemTime) -> Self {
        self.from = Some(from);
        self.until = Some(until);
        self
    }

    /// Only requests arriving at or after `from` (provider time).
    pub fn from_time(mut self, from: SystemTime) -> Self {
        self.from = Some(from);
        self
    }

    /// Only requests arriving before `until` (provider time).
    pub fn until_time(mut self, until: SystemTime) -> Self {
        self.until = Some(until);
        self
    }

    /// Answer matched requests with `status` and a JSON `body`.
    pub fn respond(self, status: StatusCode, body: impl Into<String>) -> Fault {
        self.respond_with(
            status,
            vec![(
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body,
        )
    }

    /// Answer matched requests with `status`, exactly these headers and `body`.
    pub fn respond_with(
        self,
        status: StatusCode,
        headers: Vec<(String, String)>,
        body: impl Into<String>,
    ) -> Fault {
        self.then(FaultAction::Respond {
            status,
            headers,
            body: body.into(),
        })
    }

    /// Hold matched requests for `delay` before handling them.
    pub fn delay(self, delay: Duration) -> Fault {
        self.then(FaultAction::Delay(Latency::Fixed(delay)))
    }

    /// Hold matched requests for a seeded uniform draw in `min..=max`.
    pub fn delay_uniform(self, min: Duration, max: Duration) -> Fault {
        self.then(FaultAction::Delay(Latency::Uniform { min, max }))
    }

    /// Hold matched requests for a seeded log-normal draw around `median`.
    pub fn delay_log_normal(self, median: Duration, sigma: f64) -> Fault {
        self.then(FaultAction::Delay(Latency::LogNormal { median, sigma }))
    }

    /// Drop the connection without handling the request.
    pub fn reset(self) -> Fault {
        self.then(FaultAction::Reset)
    }

    /// Handle the request, keep its effects, then drop the connection.
    pub fn ack_lost(self) -> Fault {
        self.then(FaultAction::AckLost)
    }

    /// Never answer matched requests.
    pub fn hang(self) -> Fault {
        self.then(FaultAction::Hang)
    }

    /// Apply any action to matched requests.
    pub fn then(self, action: FaultAction) -> Fault {
        Fault::new(self, action)
    }

    pub(super) fn matches(&self, facts: &RequestFacts) -> bool {
        let same = |want: &Option<String>, got: &Option<String>| {
            want.as_ref().is_none_or(|w| got.as_ref() == Some(w))
        };
        let in_window = match facts.at {
            Some(at) => {
                self.from.is_none_or(|from| at >= from) && self.until.is_none_or(|until| at < until)
            }
            None => self.from.is_none() && self.until.is_none(),
        };
        self.endpoint.is_none_or(|e| facts.endpoint == Some(e))
            && self
                .method
                .as_ref()
                .is_none_or(|m| m.eq_ignore_ascii_case(&facts.method))
            && same(&self.client_id, &facts.client_id)
            && same(&self.account, &facts.account)
            && same(&self.grant_type, &facts.grant_type)
            && in_window
    }
}
