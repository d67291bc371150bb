//! Reading and checking an authorization request, in Google's order: the
//! client and redirect URI first (their errors cannot be redirected), then
//! everything else.

use super::page::ErrorPage;
use super::pkce;
use crate::state::{CodeChallenge, Model};
use http::StatusCode;

/// A checked authorization request.
#[derive(Debug)]
pub(crate) struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub offline: bool,
    pub prompt: Vec<String>,
    pub login_hint: Option<String>,
    pub include_granted_scopes: bool,
    pub challenge: Option<CodeChallenge>,
    pub nonce: Option<String>,
}

/// True for a scope Google would recognise.
fn is_known_scope(scope: &str) -> bool {
    matches!(
        scope,
        "openid" | "email" | "profile" | "https://mail.google.com/"
    ) || scope.starts_with("https://www.googleapis.com/auth/")
}

struct Query(Vec<(String, String)>);

impl Query {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn require(&self, name: &str) -> Result<&str, ErrorPage> {
        self.get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            ErrorPage::invalid_request(format!("Missing required parameter: {name}"))
        })
    }
}

impl AuthorizationRequest {
    pub fn parse(raw_query: Option<&str>, model: &Model) -> Result<Self, ErrorPage> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw_query.unwrap_or_default())
                .map_err(|_| ErrorPage::invalid_request("Invalid query string."))?;
        for (i, (name, _)) in pairs.iter().enumerate() {
            if pairs[..i].iter().any(|(earlier, _)| earlier == name) {
                return Err(ErrorPage::invalid_request(format!(
                    "Duplicate parameter: {name}"
                )));
            }
        }
        let query = Query(pairs);
        let client_id = query.require("client_id")?;
        let client = model.clients.get(client_id).ok_or_else(|| {
            ErrorPage::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "The OAuth client was not found.",
            )
        })?;
        let redirect_uri = query.require("redirect_uri")?;
        if !client.redirect_uris.iter().any(|r| r == redirect_uri) {
            return Err(ErrorPage::new(
                StatusCode::BAD_REQUEST,
                "redirect_uri_mismatch",
                "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. The redirect_uri is not registered for this client.",
            ));
        }
        match query.require("response_type")? {
            "code" => {}
            _ => {
                return Err(ErrorPage::new(
                    StatusCode::BAD_REQUEST,
                    "unsupported_response_type",
                    "Only response_type=code is supported.",
                ));
            }
        }
        let scopes = scope_list(query.require("scope")?)?;
        let offline = match query.get("access_type").unwrap_or("online") {
            "online" => false,
            "offline" => true,
            _ => return Err(ErrorPage::invalid_request("Invalid access_type.")),
        };
        let prompt: Vec<String> = query
            .get("prompt")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let known_prompt = |p: &String| matches!(p.as_str(), "none" | "consent" | "select_account");
        if !prompt.iter().all(known_prompt)
            || (prompt.len() > 1 && prompt.iter().any(|p| p == "none"))
        {
            return Err(ErrorPage::invalid_request("Invalid prompt."));
        }
        let challenge = pkce::parse(
            query.get("code_challenge"),
            query.get("code_challenge_method"),
        )
        .map_err(ErrorPage::invalid_request)?;
        Ok(Self {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            scopes,
            state: query.get("state").map(str::to_owned),
            offline,
            prompt,
            login_hint: query.get("login_hint").map(str::to_owned),
            include_granted_scopes: query.get("include_granted_scopes") == Some("true"),
            challenge,
            nonce: query.get("nonce").map(str::to_owned),
        })
    }

    pub fn prompts(&self, value: &str) -> bool {
        self.prompt.iter().any(|p| p == value)
    }
}

fn scope_list(scope: &str) -> Result<Vec<String>, ErrorPage> {
    let mut scopes: Vec<String> = Vec::new();
    for s in scope.split_whitespace() {
        if !scopes.iter().any(|k| k == s) {
            scopes.push(s.to_owned());
        }
    }
    let invalid: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !is_known_scope(s))
        .collect();
    if !invalid.is_empty() {
        return Err(ErrorPage::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            format!(
                "Some requested scopes were invalid. {{invalid=[{}]}}",
                invalid.join(", ")
            ),
        ));
    }
    if scopes.is_empty() {
        return Err(ErrorPage::invalid_request(
            "Missing required parameter: scope",
        ));
    }
    Ok(crate::state::scopes::canonical(
        scopes.iter().map(String::as_str),
    ))
}
