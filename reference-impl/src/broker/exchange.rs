//! Token endpoint calls (refresh and code exchange) through the `oauth2` crate, riding
//! our [`HttpTransport`]. `response_check.rs` vets every answer before `oauth2` parses it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenResponse};
use oauth2::{EndpointNotSet, EndpointSet, RequestTokenError, TokenResponse};

use super::error::{BrokerError, ProtocolProblem};
use super::response_check::{AdapterError, check_response, sanitize_code};
use crate::secret::{AccessToken, RefreshToken};
use crate::transport::{HttpRequest, HttpResponse, HttpTransport};

/// A `BasicClient` with only the token endpoint set.
pub(crate) type RefreshClient =
    BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// A `BasicClient` with the authorization and token endpoints set.
pub(crate) type CodeClient =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// A successful token response, already validated.
pub(crate) struct Refreshed {
    pub access_token: AccessToken,
    pub expires_in: Duration,
    pub refresh_token: Option<RefreshToken>,
    pub scopes: Option<Vec<String>>,
}

/// Exchanges `refresh_token` for a new access token. `now` dates `Retry-After`.
pub(crate) async fn exchange(
    client: &RefreshClient,
    transport: &Arc<dyn HttpTransport>,
    account: &str,
    refresh_token: &RefreshToken,
    now: SystemTime,
) -> Result<Refreshed, BrokerError> {
    exchange_with_scopes(client, transport, account, refresh_token, &[], now).await
}

/// As [`exchange`], asking for `scopes` (a subset of the grant's; none: all of them)
/// through the refresh request's `scope` parameter.
pub(crate) async fn exchange_with_scopes(
    client: &RefreshClient,
    transport: &Arc<dyn HttpTransport>,
    account: &str,
    refresh_token: &RefreshToken,
    scopes: &[String],
    now: SystemTime,
) -> Result<Refreshed, BrokerError> {
    let http_client = TransportClient::new(transport, now);
    let secret = oauth2::RefreshToken::new(refresh_token.expose_secret().to_owned());
    let result = client
        .exchange_refresh_token(&secret)
        .add_scopes(scopes.iter().cloned().map(oauth2::Scope::new))
        .request_async(&http_client)
        .await;
    finish(result, account, &http_client)
}

/// Exchanges an authorization `code` (with its PKCE `verifier`) for tokens.
pub(crate) async fn exchange_code(
    client: &CodeClient,
    transport: &Arc<dyn HttpTransport>,
    account: &str,
    code: String,
    verifier: String,
    now: SystemTime,
) -> Result<Refreshed, BrokerError> {
    let http_client = TransportClient::new(transport, now);
    let result = client
        .exchange_code(oauth2::AuthorizationCode::new(code))
        .set_pkce_verifier(oauth2::PkceCodeVerifier::new(verifier))
        .request_async(&http_client)
        .await;
    finish(result, account, &http_client)
}

fn finish(
    result: Result<BasicTokenResponse, OAuthError>,
    account: &str,
    http_client: &TransportClient,
) -> Result<Refreshed, BrokerError> {
    let status = http_client.status.load(Ordering::Relaxed);
    let response = result.map_err(|error| classify(error, account, status))?;
    let expires_in = response.expires_in().ok_or_else(|| BrokerError::Protocol {
        account: account.to_owned(),
        problem: ProtocolProblem::MissingExpiresIn,
    })?;
    Ok(Refreshed {
        access_token: AccessToken::new(response.access_token().secret().as_str()),
        expires_in,
        refresh_token: response
            .refresh_token()
            .map(|token| RefreshToken::new(token.secret().as_str())),
        scopes: response
            .scopes()
            .map(|scopes| scopes.iter().map(|scope| scope.to_string()).collect()),
    })
}

/// Adapts our [`HttpTransport`] to `oauth2`'s client trait.
///
/// A named type with a boxed `Send` future rather than a closure: with a closure the
/// compiler cannot prove the request future `Send` for every lifetime, and the broker's
/// futures must be spawnable.
pub(crate) struct TransportClient {
    transport: Arc<dyn HttpTransport>,
    /// The last response status; `oauth2` does not hand it back on parse failures.
    status: AtomicU16,
    now: SystemTime,
}

impl TransportClient {
    pub(crate) fn new(transport: &Arc<dyn HttpTransport>, now: SystemTime) -> Self {
        Self {
            transport: Arc::clone(transport),
            status: AtomicU16::new(0),
            now,
        }
    }
}

impl TransportClient {
    /// The status of the last response (0 before any).
    pub(crate) fn last_status(&self) -> u16 {
        self.status.load(Ordering::Relaxed)
    }
}

impl<'c> oauth2::AsyncHttpClient<'c> for TransportClient {
    type Error = AdapterError;
    type Future = BoxFuture<'c, Result<HttpResponse, AdapterError>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let response = self
                .transport
                .send(request)
                .await
                .map_err(AdapterError::Transport)?;
            self.status
                .store(response.status().as_u16(), Ordering::Relaxed);
            check_response(&response, self.now)?;
            Ok(response)
        })
    }
}

type OAuthError = RequestTokenError<AdapterError, oauth2::basic::BasicErrorResponse>;

fn classify(error: OAuthError, account: &str, status: u16) -> BrokerError {
    let account = account.to_owned();
    match error {
        RequestTokenError::ServerResponse(response) => {
            let code = sanitize_code(response.error().as_ref());
            match response.error() {
                BasicErrorResponseType::InvalidGrant
                | BasicErrorResponseType::InvalidClient
                | BasicErrorResponseType::UnauthorizedClient => BrokerError::Revoked {
                    account,
                    error: code,
                },
                BasicErrorResponseType::Extension(ext) if ext == "temporarily_unavailable" => {
                    BrokerError::ProviderUnavailable {
                        account,
                        status,
                        error: Some(code),
                        retry_after: None,
                    }
                }
                _ => BrokerError::Protocol {
                    account,
                    problem: ProtocolProblem::Rejected {
                        status,
                        error: code,
                    },
                },
            }
        }
        RequestTokenError::Request(AdapterError::Transport(source)) => {
            BrokerError::Transport { account, source }
        }
        RequestTokenError::Request(AdapterError::Unavailable {
            status,
            error,
            retry_after,
        }) => BrokerError::ProviderUnavailable {
            account,
            status,
            error,
            retry_after,
        },
        RequestTokenError::Request(AdapterError::Invalid(problem)) => {
            BrokerError::Protocol { account, problem }
        }
        // The parse error and body are dropped on purpose: a half-valid success body
        // still contains the access token.
        RequestTokenError::Parse(..) | RequestTokenError::Other(_) => BrokerError::Protocol {
            account,
            problem: ProtocolProblem::Unparseable { status },
        },
    }
}
