//! The code exchange of a sign-in: `oauth2` over our transport, with a token response
//! type that keeps the `id_token` (and redacts it in `Debug`).

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use oauth2::basic::{
    BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
    BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    EndpointNotSet, EndpointSet, ExtraTokenFields, RequestTokenError, StandardRevocableToken,
    StandardTokenResponse,
};
use secrecy::SecretString;

use super::error::SignInError;
use crate::broker::exchange::TransportClient;
use crate::broker::response_check::{AdapterError, sanitize_code};
use crate::transport::HttpTransport;

/// The OIDC addition to a token response.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct IdTokenField {
    #[serde(default)]
    pub id_token: Option<String>,
}

impl fmt::Debug for IdTokenField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdTokenField([redacted])")
    }
}

impl ExtraTokenFields for IdTokenField {}

pub(crate) type OidcTokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;

/// A client with the authorization and token endpoints set.
pub(crate) type OidcClient = oauth2::Client<
    BasicErrorResponse,
    OidcTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Exchanges `code` with its PKCE `verifier`; returns the id_token.
pub(crate) async fn exchange_code_for_id_token(
    client: &OidcClient,
    transport: &Arc<dyn HttpTransport>,
    code: String,
    verifier: String,
    now: SystemTime,
) -> Result<SecretString, SignInError> {
    let http_client = TransportClient::new(transport, now);
    let result = client
        .exchange_code(oauth2::AuthorizationCode::new(code))
        .set_pkce_verifier(oauth2::PkceCodeVerifier::new(verifier))
        .request_async(&http_client)
        .await;
    let status = http_client.last_status();
    let response = result.map_err(|error| match error {
        RequestTokenError::ServerResponse(response) => {
            let error = match response.error() {
                BasicErrorResponseType::Extension(ext) => sanitize_code(ext),
                other => sanitize_code(other.as_ref()),
            };
            SignInError::CodeRejected { status, error }
        }
        RequestTokenError::Request(AdapterError::Transport(source)) => {
            SignInError::Transport { source }
        }
        RequestTokenError::Request(AdapterError::Unavailable { status, .. }) => {
            SignInError::ProviderUnavailable { status }
        }
        // A malformed success body or an unparseable answer: treat as no id_token
        // rather than keep a body that may hold tokens.
        RequestTokenError::Request(AdapterError::Invalid(_))
        | RequestTokenError::Parse(..)
        | RequestTokenError::Other(_) => SignInError::NoIdToken,
    })?;
    response
        .extra_fields()
        .id_token
        .clone()
        .filter(|token| !token.is_empty())
        .map(SecretString::from)
        .ok_or(SignInError::NoIdToken)
}
