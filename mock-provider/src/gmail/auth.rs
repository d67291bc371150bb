use super::GmailError;
use crate::shared::Shared;
use http::HeaderMap;

const GMAIL_READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
const GMAIL_MODIFY: &str = "https://www.googleapis.com/auth/gmail.modify";
const GMAIL_SEND: &str = "https://www.googleapis.com/auth/gmail.send";
const GMAIL_COMPOSE: &str = "https://www.googleapis.com/auth/gmail.compose";
const MAIL_GOOGLE_COM: &str = "https://mail.google.com/";

/// What a Gmail call needs the token's scopes to allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Read,
    Send,
}

impl Access {
    fn accepted_scopes(self) -> &'static [&'static str] {
        match self {
            Self::Read => &[MAIL_GOOGLE_COM, GMAIL_MODIFY, GMAIL_READONLY],
            Self::Send => &[MAIL_GOOGLE_COM, GMAIL_MODIFY, GMAIL_COMPOSE, GMAIL_SEND],
        }
    }
}

/// The account a valid Gmail call acts for.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub account: String,
}

/// Checks the bearer token, its scopes, the `userId` and the quota, in
/// Google's order. A token in the query string is refused outright
/// (RFC 6750 §2.3 / RFC 9700 §4.3.2), although Google still accepts it.
pub(crate) fn authorize(
    shared: &Shared,
    headers: &HeaderMap,
    query: Option<&str>,
    user_id: &str,
    access: Access,
    units: u32,
) -> Result<Caller, GmailError> {
    if query.is_some_and(query_carries_token) {
        return Err(GmailError::invalid_credentials());
    }
    let token = bearer_token(headers)?;
    let now = shared.state.clock.now();
    let (account, scopes) = {
        let model = shared.state.model();
        let record = model
            .access_tokens
            .get(token)
            .filter(|r| r.expires_at > now)
            .ok_or_else(GmailError::invalid_credentials)?;
        let grant = model
            .grants
            .get(&record.grant_id)
            .filter(|g| !g.revoked)
            .ok_or_else(GmailError::invalid_credentials)?;
        // The token's own scopes: a refresh may have narrowed them below the grant's.
        (grant.account.clone(), record.scope.clone())
    };
    let accepted = access.accepted_scopes();
    if !scopes.split(' ').any(|s| accepted.contains(&s)) {
        return Err(GmailError::insufficient_scope(accepted));
    }
    if user_id != "me" && !user_id.eq_ignore_ascii_case(&account) {
        return Err(GmailError::delegation_denied(user_id));
    }
    if !shared.gmail.charge(&account, units, now) {
        return Err(GmailError::quota_exhausted());
    }
    Ok(Caller { account })
}

fn bearer_token(headers: &HeaderMap) -> Result<&str, GmailError> {
    let value = headers
        .get(http::header::AUTHORIZATION)
        .ok_or_else(GmailError::missing_credentials)?;
    let text = value
        .to_str()
        .map_err(|_| GmailError::invalid_credentials())?;
    let (scheme, token) = text
        .split_once(' ')
        .ok_or_else(GmailError::invalid_credentials)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(GmailError::invalid_credentials());
    }
    Ok(token.trim())
}

/// True when the query string has an `access_token` (or `oauth_token`) parameter.
fn query_carries_token(query: &str) -> bool {
    query.split('&').any(|pair| {
        let name = pair.split('=').next().unwrap_or("");
        name == "access_token" || name == "oauth_token"
    })
}
