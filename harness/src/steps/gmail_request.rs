//! `gmail_request`: the harness calls any Gmail endpoint with a token from
//! the broker, as an app would (`GET messages?maxResults=5`, `GET
//! history?startHistoryId=1`, `POST messages/send`), and records the
//! answer's status as an API call and a timeline event. Unlike
//! `gmail_profile` it does not report a 401 to the broker: it is the plain
//! call, for checkers that read what the broker's tokens were used for.

use super::{Check, Invalid, StepKind};
use crate::record::{ApiCall, TimelineEvent};
use crate::run::{CALL_TIMEOUT, Stage, lock};
use crate::sim::InMemoryTransport;
use mock_provider::Fingerprint;
use reference_impl::HttpTransport;
use schemars::JsonSchema;
use secrecy::ExposeSecret;
use serde::Deserialize;

/// The HTTP method of a `gmail_request`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum GmailMethod {
    /// `GET` (the default).
    #[default]
    Get,
    /// `POST`, with `body` as JSON.
    Post,
}

/// Parameters of `gmail_request`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GmailRequest {
    /// The account whose token is used (`userId` is `me`).
    pub account: String,
    /// The method (default `GET`).
    #[serde(default)]
    pub method: GmailMethod,
    /// The path under `/gmail/v1/users/me/`, with any query, e.g.
    /// `"messages?maxResults=5"` or `"history?startHistoryId=1"`.
    pub path: String,
    /// The JSON body of a `POST` (e.g. `messages/send`'s `{"raw": "…"}`).
    #[serde(default)]
    pub body: Option<String>,
    /// Which broker instance serves the token (default 0).
    #[serde(default)]
    pub instance: u32,
}

impl StepKind for GmailRequest {
    const NEEDS: Option<&'static str> = None;

    fn validate(&self, check: &Check<'_>) -> Result<(), Invalid> {
        check.account("gmail_request.account", &self.account)?;
        check.instance("gmail_request.instance", self.instance)?;
        if self.path.starts_with('/') || self.path.contains("://") || self.path.contains("..") {
            return Err((
                "gmail_request.path".into(),
                "is a path under `/gmail/v1/users/me/` (e.g. `messages?maxResults=5`)".into(),
            ));
        }
        if self.body.is_some() && self.method == GmailMethod::Get {
            return Err((
                "gmail_request.body".into(),
                "a `GET` has no body; say `method = \"POST\"`".into(),
            ));
        }
        Ok(())
    }

    fn play(self, stage: &mut Stage<'_>) {
        let Some(instance) = stage.instance(self.instance) else {
            return;
        };
        let url = format!(
            "{}/gmail/v1/users/me/{}",
            stage.world.provider.uri(),
            self.path
        );
        let transport = InMemoryTransport::new(stage.world.provider.router());
        let journal = stage.world.provider.journal().clone();
        let clock = stage.world.provider_clock.clone();
        let sink = stage.sink.clone();
        stage.spawn(async move {
            instance.wait_if_paused().await;
            let at = clock.now();
            let answer = tokio::time::timeout(
                CALL_TIMEOUT,
                instance.broker.access_token(&self.account, None),
            )
            .await;
            let token = sink.record(answer);
            let fingerprint = token
                .as_ref()
                .map(|token| Fingerprint::of(token.expose_secret()))
                .map_err(|kind| *kind);
            sink.served(
                self.instance,
                self.account.clone(),
                at,
                &clock,
                fingerprint.clone(),
            );
            let from = journal.len() as u64;
            let (status, outcome) = match &token {
                Err(kind) => (None, format!("no token ({})", kind.name())),
                Ok(token) => {
                    let request = match self.method {
                        GmailMethod::Get => http::Request::get(&url),
                        GmailMethod::Post => http::Request::post(&url)
                            .header(http::header::CONTENT_TYPE, "application/json"),
                    }
                    .header(
                        http::header::AUTHORIZATION,
                        format!("Bearer {}", token.expose_secret()),
                    )
                    .body(self.body.clone().unwrap_or_default().into_bytes());
                    match request {
                        Err(_) => (None, "not a valid request".to_owned()),
                        Ok(request) => match transport.send(request).await {
                            Ok(response) => {
                                let status = response.status().as_u16();
                                (Some(status), status.to_string())
                            }
                            Err(error) => (None, format!("request failed: {error}")),
                        },
                    }
                }
            };
            // The call's journal entry: the first since `from` presenting
            // this token (other steps' requests may interleave).
            let journal_seq = fingerprint.as_ref().ok().and_then(|presented| {
                journal
                    .filter(|e| e.seq >= from && e.presented.contains(presented))
                    .first()
                    .map(|e| e.seq)
            });
            lock(&sink.auth).api_calls.push(ApiCall {
                instance: self.instance,
                account: self.account.clone(),
                at,
                token: fingerprint,
                status,
                journal_seq,
                after_401: None,
            });
            let method = match self.method {
                GmailMethod::Get => "GET",
                GmailMethod::Post => "POST",
            };
            sink.push(TimelineEvent {
                at: clock.now(),
                what: format!("gmail {method} {}: {outcome}", self.path),
                account: Some(self.account),
                kind: "gmail_request",
            });
        });
    }
}
