//! One refresh-token exchange through the `oauth2` crate, riding our [`HttpTransport`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{EndpointNotSet, EndpointSet, RequestTokenError, TokenResponse};

use super::error::{BrokerError, ProtocolProblem};
use crate::secret::{AccessToken, RefreshToken};
use crate::transport::{HttpRequest, HttpResponse, HttpTransport, TransportError};

/// A `BasicClient` with only the token endpoint set.
pub(crate) type RefreshClient =
    BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// A successful token response, already validated.
pub(crate) struct Refreshed {
    pub access_token: AccessToken,
    pub expires_in: Duration,
    pub refresh_token: Option<RefreshToken>,
    pub scopes: Option<Vec<String>>,
}

/// Failures our HTTP adapter reports to `oauth2` before it parses anything.
#[derive(Debug, thiserror::Error)]
enum AdapterError {
    #[error("transport failed")]
    Transport(#[source] TransportError),
    /// 5xx and 429 are answered by proxies and overload paths with arbitrary bodies,
    /// so they are classified by status instead of being parsed as OAuth errors.
    #[error("token endpoint answered http {status}")]
    Unavailable {
        status: u16,
        error: Option<String>,
        retry_after: Option<Duration>,
    },
}

/// Exchanges `refresh_token` for a new access token.
pub(crate) async fn exchange(
    client: &RefreshClient,
    transport: &Arc<dyn HttpTransport>,
    account: &str,
    refresh_token: &RefreshToken,
) -> Result<Refreshed, BrokerError> {
    let http_client = TransportClient {
        transport: Arc::clone(transport),
        status: AtomicU16::new(0),
    };
    let secret = oauth2::RefreshToken::new(refresh_token.expose_secret().to_owned());
    let result = client
        .exchange_refresh_token(&secret)
        .request_async(&http_client)
        .await;
    let status = http_client.status.load(Ordering::Relaxed);
    let protocol = |problem| BrokerError::Protocol {
        account: account.to_owned(),
        problem,
    };

    let response = result.map_err(|error| classify(error, account, status))?;
    let expires_in = response
        .expires_in()
        .ok_or_else(|| protocol(ProtocolProblem::MissingExpiresIn))?;
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
struct TransportClient {
    transport: Arc<dyn HttpTransport>,
    /// The last response status; `oauth2` does not hand it back on parse failures.
    status: AtomicU16,
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
            check_unavailable(&response)?;
            Ok(response)
        })
    }
}

fn check_unavailable(response: &HttpResponse) -> Result<(), AdapterError> {
    let status = response.status();
    if !(status.is_server_error() || status == http::StatusCode::TOO_MANY_REQUESTS) {
        return Ok(());
    }
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        error: String,
    }
    let error = serde_json::from_slice::<ErrorBody>(response.body())
        .ok()
        .map(|body| sanitize_code(&body.error));
    let retry_after = response
        .headers()
        .get(http::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok()?.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    Err(AdapterError::Unavailable {
        status: status.as_u16(),
        error,
        retry_after,
    })
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
        // The parse error and body are dropped on purpose: a half-valid success body
        // still contains the access token.
        RequestTokenError::Parse(..) | RequestTokenError::Other(_) => BrokerError::Protocol {
            account,
            problem: ProtocolProblem::Unparseable { status },
        },
    }
}

/// Keeps provider error codes out of messages unless they look like OAuth codes, so a
/// misbehaving endpoint cannot smuggle a token into our errors and logs.
fn sanitize_code(code: &str) -> String {
    let looks_like_code = !code.is_empty()
        && code.len() <= 64
        && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if looks_like_code {
        code.to_owned()
    } else {
        "<nonstandard>".to_owned()
    }
}
