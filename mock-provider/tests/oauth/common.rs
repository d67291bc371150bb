//! Helpers shared by the topic modules: plain HTTP over loopback.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mock_provider::MockProvider;
use secrecy::ExposeSecret;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub const GMAIL_READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
/// A well-formed PKCE verifier (43 characters).
pub const VERIFIER: &str = "verifier-0123456789-abcdefghijklmnopqrstuvwxyz";

/// One HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not json ({e}): {}", self.text))
    }

    /// `(status, error, error_description)` of an OAuth error body.
    pub fn oauth_error(&self) -> (u16, String, String) {
        let json = self.json();
        let text = |k: &str| json[k].as_str().unwrap_or_default().to_owned();
        (self.status, text("error"), text("error_description"))
    }

    /// The query parameters of the `Location` a redirect points to.
    pub fn redirect_params(&self) -> BTreeMap<String, String> {
        assert_eq!(self.status, 302, "expected a redirect, got {}", self.text);
        let location = self.headers["location"].to_str().expect("ascii location");
        url::Url::parse(location)
            .expect("absolute location")
            .query_pairs()
            .into_owned()
            .collect()
    }

    pub fn location(&self) -> String {
        self.headers["location"]
            .to_str()
            .expect("ascii location")
            .to_owned()
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        text: response.text().await.expect("a body"),
    }
}

/// A client that never follows redirects (the redirect is the answer).
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a reqwest client")
}

pub async fn get(url: &str) -> Answer {
    answer(http().get(url).send().await.expect("the provider answers")).await
}

pub async fn post_form(url: &str, form: &[(&str, &str)]) -> Answer {
    let body = serde_urlencoded::to_string(form).expect("form");
    let response = http()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("the provider answers");
    answer(response).await
}

/// `GET /o/oauth2/v2/auth` with the defaults a well-behaved client sends
/// (client, redirect URI, `response_type=code`, gmail.readonly), overridden
/// or extended by `extra`; a value of `""` in `extra` drops the parameter.
pub async fn authorize(provider: &MockProvider, extra: &[(&str, &str)]) -> Answer {
    let redirect_uri = provider.redirect_uri();
    let mut params: Vec<(&str, &str)> = vec![
        ("client_id", provider.client_id()),
        ("redirect_uri", &redirect_uri),
        ("response_type", "code"),
        ("scope", GMAIL_READONLY),
    ];
    for (name, value) in extra {
        params.retain(|(n, _)| n != name);
        if !value.is_empty() {
            params.push((name, value));
        }
    }
    let query = serde_urlencoded::to_string(&params).expect("query");
    get(&format!("{}?{query}", provider.authorize_url())).await
}

pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Authorizes offline with an S256 challenge for [`VERIFIER`]; the code.
pub async fn offline_code(provider: &MockProvider, extra: &[(&str, &str)]) -> String {
    let challenge = s256(VERIFIER);
    let mut params = vec![
        ("access_type", "offline"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    params.extend_from_slice(extra);
    authorize(provider, &params).await.redirect_params()["code"].clone()
}

/// `POST /token` with client credentials in the body plus `form`.
pub async fn token(provider: &MockProvider, form: &[(&str, &str)]) -> Answer {
    let secret = provider.client_secret();
    let mut full = vec![
        ("client_id", provider.client_id()),
        ("client_secret", secret.expose_secret()),
    ];
    full.extend_from_slice(form);
    post_form(&provider.token_url(), &full).await
}

/// Exchanges `code` with the registered redirect URI and `verifier`.
pub async fn exchange(provider: &MockProvider, code: &str, verifier: Option<&str>) -> Answer {
    let redirect_uri = provider.redirect_uri();
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri.as_str()),
    ];
    if let Some(verifier) = verifier {
        form.push(("code_verifier", verifier));
    }
    token(provider, &form).await
}

/// Authorizes offline and exchanges the code; the token response.
pub async fn offline_tokens(provider: &MockProvider, extra: &[(&str, &str)]) -> Value {
    let code = offline_code(provider, extra).await;
    let answer = exchange(provider, &code, Some(VERIFIER)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json()
}

pub async fn refresh(provider: &MockProvider, refresh_token: &str) -> Answer {
    token(
        provider,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

pub fn text(json: &Value, field: &str) -> String {
    json[field]
        .as_str()
        .unwrap_or_else(|| panic!("`{field}` missing in {json}"))
        .to_owned()
}
