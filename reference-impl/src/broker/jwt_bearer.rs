//! The jwt-bearer grant (`urn:ietf:params:oauth:grant-type:jwt-bearer`): a signed
//! assertion traded for an access token, as Google does for service accounts.
//!
//! `oauth2` has no generic grant, so the form is built here; the answer goes through
//! the same vetting (`response_check.rs`) and the same classification of 5xx and 429
//! as the refresh grant. Google answers every assertion problem with `invalid_grant`,
//! told apart only by `error_description`; [`AssertionRejection`] names them.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use oauth2::TokenResponse;
use oauth2::basic::{BasicErrorResponse, BasicTokenResponse};
use secrecy::ExposeSecret;

use super::error::{AssertionRejection, BrokerError, ProtocolProblem};
use super::exchange::Refreshed;
use super::response_check::{AdapterError, check_response, sanitize_code};
use crate::secret::AccessToken;
use crate::service_account::{ServiceAccountGrant, sign_assertion};
use crate::transport::HttpTransport;

/// The grant type, as sent in the form.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Trades a fresh assertion for `grant` (asking for `scopes`) at `token_url`. `now` is
/// the local clock, which dates the assertion and `Retry-After`.
pub(crate) async fn exchange_assertion(
    transport: &Arc<dyn HttpTransport>,
    token_url: &str,
    account: &str,
    grant: &ServiceAccountGrant,
    scopes: &[String],
    now: SystemTime,
) -> Result<Refreshed, BrokerError> {
    let assertion =
        sign_assertion(grant, scopes, token_url, now).ok_or_else(|| BrokerError::Protocol {
            account: account.to_owned(),
            problem: ProtocolProblem::Rejected {
                status: 0,
                error: "assertion_not_signed".to_owned(),
            },
        })?;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", JWT_BEARER)
        .append_pair("assertion", assertion.expose_secret())
        .finish();
    let request = http::Request::post(token_url)
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(http::header::ACCEPT, "application/json")
        .body(body.into_bytes())
        .map_err(|_| BrokerError::NotConfigured {
            setting: "token_url",
        })?;
    let response = transport
        .send(request)
        .await
        .map_err(|source| BrokerError::Transport {
            account: account.to_owned(),
            source,
        })?;
    let status = response.status().as_u16();
    match check_response(&response, now) {
        Err(AdapterError::Unavailable {
            status,
            error,
            retry_after,
        }) => {
            return Err(BrokerError::ProviderUnavailable {
                account: account.to_owned(),
                status,
                error,
                retry_after,
            });
        }
        Err(AdapterError::Invalid(problem)) => {
            return Err(BrokerError::Protocol {
                account: account.to_owned(),
                problem,
            });
        }
        Err(AdapterError::Transport(source)) => {
            return Err(BrokerError::Transport {
                account: account.to_owned(),
                source,
            });
        }
        Ok(()) => {}
    }
    if status != 200 {
        return Err(rejected(account, status, &response, now));
    }
    // The body was vetted above; a parse failure here drops the body (it may hold a token).
    let parsed: BasicTokenResponse =
        serde_json::from_slice(response.body()).map_err(|_| BrokerError::Protocol {
            account: account.to_owned(),
            problem: ProtocolProblem::Unparseable { status },
        })?;
    let expires_in = parsed.expires_in().ok_or_else(|| BrokerError::Protocol {
        account: account.to_owned(),
        problem: ProtocolProblem::MissingExpiresIn,
    })?;
    Ok(Refreshed {
        access_token: AccessToken::new(parsed.access_token().secret().as_str()),
        expires_in,
        refresh_token: None,
        scopes: parsed
            .scopes()
            .map(|scopes| scopes.iter().map(|scope| scope.to_string()).collect())
            .or_else(|| Some(scopes.to_vec())),
    })
}

/// A 4xx answer: which assertion problem Google meant, or a protocol error.
fn rejected(
    account: &str,
    status: u16,
    response: &crate::transport::HttpResponse,
    now: SystemTime,
) -> BrokerError {
    let account = account.to_owned();
    let Ok(body) = serde_json::from_slice::<BasicErrorResponse>(response.body()) else {
        return BrokerError::Protocol {
            account,
            problem: ProtocolProblem::Unparseable { status },
        };
    };
    let code = sanitize_code(body.error().as_ref());
    if code != "invalid_grant" && code != "unauthorized_client" && code != "invalid_client" {
        return BrokerError::Protocol {
            account,
            problem: ProtocolProblem::Rejected {
                status,
                error: code,
            },
        };
    }
    let description = body.error_description().map_or("", String::as_str);
    let reason = if code == "unauthorized_client" {
        AssertionRejection::DelegationDenied
    } else if description.contains("iat and exp") || description.contains("timeframe") {
        AssertionRejection::ClockSkew {
            provider_ahead_by: provider_offset(response, now),
        }
    } else if description.contains("Signature") {
        AssertionRejection::KeyNotRecognized
    } else if description.contains("email or User ID") {
        AssertionRejection::UnknownServiceAccount
    } else if description.contains("audience") {
        AssertionRejection::WrongAudience
    } else {
        AssertionRejection::Other
    };
    BrokerError::AssertionRejected {
        account,
        error: code,
        reason,
    }
}

/// How far the provider's clock (its `Date` header) is ahead of ours, in whole
/// seconds (negative: behind); `None` without a usable header.
fn provider_offset(response: &crate::transport::HttpResponse, now: SystemTime) -> Option<i64> {
    let date = crate::transport::answer_date(response.headers())?;
    let seconds = |d: Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    Some(match date.duration_since(now) {
        Ok(ahead) => seconds(ahead),
        Err(behind) => -seconds(behind.duration()),
    })
}
