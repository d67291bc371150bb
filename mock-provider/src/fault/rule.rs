use crate::Endpoint;
use http::StatusCode;
use std::time::Duration;

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
}

/// How a fault answers a request it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultAction {
    /// Answer with this status, headers and body instead of the handler.
    Respond {
        /// HTTP status.
        status: StatusCode,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// Body bytes.
        body: String,
    },
    /// Hold the request this long, then handle it normally.
    Delay(Duration),
}

/// The decision for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No fault applies.
    Pass,
    /// A fault applies: its label and action.
    Apply {
        /// Human label for the journal.
        label: String,
        /// What to do.
        action: FaultAction,
    },
}

/// Which requests a fault will match. Finish it with an action
/// ([`respond`](Self::respond), [`delay`](Self::delay)) to get a [`Fault`].
#[derive(Debug, Clone, Default)]
#[must_use = "a target does nothing until it is given an action and mounted"]
pub struct FaultTarget {
    endpoint: Option<Endpoint>,
    account: Option<String>,
    grant_type: Option<String>,
}

impl FaultTarget {
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

    /// Answer matched requests with `status` and a JSON `body`.
    pub fn respond(self, status: StatusCode, body: impl Into<String>) -> Fault {
        self.then(FaultAction::Respond {
            status,
            headers: vec![(
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: body.into(),
        })
    }

    /// Hold matched requests for `delay` before handling them.
    pub fn delay(self, delay: Duration) -> Fault {
        self.then(FaultAction::Delay(delay))
    }

    /// Apply any action to matched requests.
    pub fn then(self, action: FaultAction) -> Fault {
        Fault {
            target: self,
            action,
            limit: None,
        }
    }

    fn matches(&self, facts: &RequestFacts) -> bool {
        let same = |want: &Option<String>, got: &Option<String>| {
            want.as_ref().is_none_or(|w| got.as_ref() == Some(w))
        };
        self.endpoint.is_none_or(|e| facts.endpoint == Some(e))
            && same(&self.account, &facts.account)
            && same(&self.grant_type, &facts.grant_type)
    }
}

/// A complete fault: a target, an action and an optional count limit.
///
/// ```
/// use mock_provider::{Endpoint, Fault};
/// use http::StatusCode;
/// # async fn example() {
/// let provider = mock_provider::MockProvider::start().await;
/// let _outage = provider.mount(
///     Fault::on(Endpoint::Token)
///         .respond(StatusCode::SERVICE_UNAVAILABLE, r#"{"error":"backend"}"#)
///         .times(2),
/// );
/// // The next two token requests get 503; the guard removes the fault on drop.
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a fault does nothing until it is mounted on a provider"]
pub struct Fault {
    target: FaultTarget,
    action: FaultAction,
    limit: Option<u64>,
}

impl Fault {
    /// Starts a fault for requests to `endpoint`.
    pub fn on(endpoint: Endpoint) -> FaultTarget {
        FaultTarget {
            endpoint: Some(endpoint),
            ..FaultTarget::default()
        }
    }

    /// Starts a fault for requests to any endpoint.
    pub fn on_any() -> FaultTarget {
        FaultTarget::default()
    }

    /// Apply to the first `count` matching requests only.
    pub fn times(mut self, count: u64) -> Self {
        self.limit = Some(count);
        self
    }

    /// A short description for the journal.
    pub fn label(&self) -> String {
        let what = match &self.action {
            FaultAction::Respond { status, .. } => format!("respond {}", status.as_u16()),
            FaultAction::Delay(d) => format!("delay {}ms", d.as_millis()),
        };
        match self.target.endpoint {
            Some(e) => format!("{what} on {e}"),
            None => what,
        }
    }

    /// Decides for one request, given how often this fault already applied.
    pub(crate) fn decide(&self, facts: &RequestFacts, applied: u64) -> Verdict {
        let exhausted = self.limit.is_some_and(|limit| applied >= limit);
        if exhausted || !self.target.matches(facts) {
            return Verdict::Pass;
        }
        Verdict::Apply {
            label: self.label(),
            action: self.action.clone(),
        }
    }
}
