use crate::Endpoint;
use crate::Fingerprint;
use crate::GrantId;
use crate::fault::RequestFacts;
use crate::state::ProviderState;
use http::request::Parts;

/// What the provider can tell about a request before handling it.
#[derive(Debug, Default)]
pub(crate) struct Inspection {
    pub facts: RequestFacts,
    pub grant_id: Option<GrantId>,
    pub presented: Vec<Fingerprint>,
    /// The URL carried a registered secret or a credential parameter.
    pub url_secret: bool,
}

/// Query parameters that carry credentials: their presence in a URL is a
/// leak whatever their value.
const CREDENTIAL_PARAMS: &[&str] = &[
    "access_token",
    "oauth_token",
    "refresh_token",
    "client_secret",
    "code_verifier",
    "id_token",
];

/// Reads endpoint, client, grant type and the tokens a request presents.
/// Never fails: a malformed request simply tells less.
pub(crate) fn inspect(state: &ProviderState, parts: &Parts, body: &[u8]) -> Inspection {
    let endpoint = Endpoint::from_path(parts.uri.path());
    let mut inspection = Inspection {
        facts: RequestFacts {
            endpoint: Some(endpoint),
            method: parts.method.to_string(),
            at: Some(state.clock.now()),
            ..RequestFacts::default()
        },
        url_secret: url_carries_secret(state, parts),
        ..Inspection::default()
    };
    if endpoint.is_gmail() {
        inspect_bearer(state, parts, &mut inspection);
        return inspection;
    }
    if endpoint != Endpoint::Token {
        return inspection;
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    inspection.facts.grant_type = field("grant_type");
    inspection.facts.client_id = field("client_id");
    if let Some(refresh_token) = field("refresh_token") {
        inspection.presented.push(Fingerprint::of(&refresh_token));
        let model = state.model();
        if let Some(grant_id) = model.refresh_tokens.get(&refresh_token) {
            inspection.facts.account = model.grants.get(grant_id).map(|g| g.account.clone());
            if inspection.facts.client_id.is_none() {
                inspection.facts.client_id =
                    model.grants.get(grant_id).map(|g| g.client_id.clone());
            }
            inspection.grant_id = Some(grant_id.clone());
        }
    }
    inspection
}

/// Gmail calls: the bearer token names the account, grant and client.
fn inspect_bearer(state: &ProviderState, parts: &Parts, inspection: &mut Inspection) {
    let token = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let Some(token) = token else { return };
    inspection.presented.push(Fingerprint::of(token));
    let model = state.model();
    let Some(record) = model.access_tokens.get(token) else {
        return;
    };
    if let Some(grant) = model.grants.get(&record.grant_id) {
        inspection.facts.account = Some(grant.account.clone());
        inspection.facts.client_id = Some(grant.client_id.clone());
    }
    inspection.grant_id = Some(record.grant_id.clone());
}

fn url_carries_secret(state: &ProviderState, parts: &Parts) -> bool {
    let in_path = parts
        .uri
        .path()
        .split('/')
        .any(|segment| segment.len() > 8 && state.secrets.contains(segment));
    let Some(query) = parts.uri.query() else {
        return in_path;
    };
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    in_path
        || pairs.iter().any(|(name, value)| {
            CREDENTIAL_PARAMS.contains(&name.as_str()) || state.secrets.contains(value)
        })
}
