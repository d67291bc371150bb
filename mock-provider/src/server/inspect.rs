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
}

/// Reads endpoint, client, grant type and the tokens a request presents.
/// Never fails: a malformed request simply tells less.
pub(crate) fn inspect(state: &ProviderState, parts: &Parts, body: &[u8]) -> Inspection {
    let endpoint = Endpoint::from_path(parts.uri.path());
    let mut inspection = Inspection {
        facts: RequestFacts {
            endpoint: Some(endpoint),
            method: parts.method.to_string(),
            ..RequestFacts::default()
        },
        ..Inspection::default()
    };
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
