use crate::Endpoint;
use crate::Fingerprint;
use crate::GrantId;
use crate::fault::RequestFacts;
use crate::state::{Model, ProviderState};
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

fn field(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty())
}

impl Inspection {
    /// Records a presented token's fingerprint and, when the provider knows
    /// it as a refresh or access token, its grant and account.
    fn present_token(&mut self, model: &Model, token: &str) {
        self.presented.push(Fingerprint::of(token));
        let grant_id = model
            .refresh_tokens
            .get(token)
            .map(|r| &r.grant_id)
            .or_else(|| model.access_tokens.get(token).map(|r| &r.grant_id));
        if let Some(grant) = grant_id.and_then(|id| model.grants.get(id)) {
            self.facts.account = Some(grant.account.clone());
            if self.facts.client_id.is_none() {
                self.facts.client_id = Some(grant.client_id.clone());
            }
            self.grant_id = Some(grant.id.clone());
        }
    }
}

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
    if endpoint.is_gmail() || endpoint == Endpoint::UserInfo {
        inspect_bearer(state, parts, &mut inspection);
        return inspection;
    }
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(parts.uri.query().unwrap_or_default()).unwrap_or_default();
    match endpoint {
        Endpoint::Token => inspect_token(state, parts, body, &mut inspection),
        Endpoint::Authorize => {
            inspection.facts.client_id = field(&query, "client_id");
            let model = state.model();
            inspection.facts.account = field(&query, "login_hint")
                .filter(|hint| model.accounts.contains_key(hint))
                .or_else(|| model.default_account.clone());
        }
        Endpoint::Revoke => {
            let token = crate::revocation::presented_token(parts.uri.query(), body);
            if let Some(token) = token {
                inspection.present_token(&state.model(), &token);
            }
        }
        Endpoint::DeviceCode => {
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_bytes(body).unwrap_or_default();
            inspection.facts.client_id = field(&pairs, "client_id");
        }
        Endpoint::TokenInfo => {
            if let Some(token) = field(&query, "access_token") {
                inspection.present_token(&state.model(), &token);
            }
        }
        _ => {}
    }
    inspection
}

fn inspect_token(state: &ProviderState, parts: &Parts, body: &[u8], inspection: &mut Inspection) {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    inspection.facts.grant_type = field(&pairs, "grant_type");
    inspection.facts.client_id = match crate::token::client_credentials_from_header(&parts.headers)
    {
        Some(Ok((id, _))) => Some(id),
        _ => field(&pairs, "client_id"),
    };
    for name in ["code_verifier", "assertion"] {
        if let Some(secret) = field(&pairs, name) {
            inspection.presented.push(Fingerprint::of(&secret));
        }
    }
    if let Some(assertion) = field(&pairs, "assertion") {
        // A service account names itself by the assertion's `iss`.
        inspection.facts.client_id = crate::token::unverified_issuer(&assertion);
    }
    let model = state.model();
    if let Some(code) = field(&pairs, "code") {
        inspection.presented.push(Fingerprint::of(&code));
        if let Some(issued) = model.codes.get(&code) {
            inspection.facts.account = Some(issued.account.clone());
        }
    }
    if let Some(refresh_token) = field(&pairs, "refresh_token") {
        inspection.present_token(&model, &refresh_token);
    }
    if let Some(device_code) = field(&pairs, "device_code") {
        inspection.presented.push(Fingerprint::of(&device_code));
        if let Some(crate::device::DeviceStatus::Approved { account }) =
            model.devices.get(&device_code).map(|d| &d.status)
        {
            inspection.facts.account = Some(account.clone());
        }
    }
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
