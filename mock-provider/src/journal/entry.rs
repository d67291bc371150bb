use crate::Fingerprint;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::SystemTime;

/// Which provider endpoint a request was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `POST /token`.
    Token,
    /// `GET /o/oauth2/v2/auth`.
    Authorize,
    /// `POST /revoke`.
    Revoke,
    /// `GET /tokeninfo`.
    TokenInfo,
    /// Either discovery document under `/.well-known/`.
    Discovery,
    /// `GET /oauth2/v3/certs`.
    Jwks,
    /// Any path the provider does not serve.
    Unknown,
    /// `GET /gmail/v1/users/{userId}/profile`.
    GmailProfile,
    /// `GET /gmail/v1/users/{userId}/messages`.
    GmailMessagesList,
    /// `GET /gmail/v1/users/{userId}/messages/{id}`.
    GmailMessagesGet,
    /// `POST /gmail/v1/users/{userId}/messages/send`, or the same under
    /// `/upload` (media and multipart uploads).
    GmailSend,
    /// `GET /gmail/v1/users/{userId}/history`.
    GmailHistory,
    /// Anything under the admin prefix `/__admin/`.
    Admin,
    /// `GET`/`POST /v1/userinfo` (and `/oauth2/v3/userinfo`).
    #[serde(rename = "userinfo", alias = "user_info")]
    UserInfo,
    /// `POST /device/code`: the start of the device flow (its polls are
    /// `Token` requests).
    DeviceCode,
}

impl Endpoint {
    /// Classifies a request path.
    pub fn from_path(path: &str) -> Self {
        match path {
            "/token" => Self::Token,
            "/o/oauth2/v2/auth" => Self::Authorize,
            "/revoke" => Self::Revoke,
            "/tokeninfo" => Self::TokenInfo,
            "/.well-known/openid-configuration" | "/.well-known/oauth-authorization-server" => {
                Self::Discovery
            }
            "/oauth2/v3/certs" => Self::Jwks,
            "/v1/userinfo" | "/oauth2/v3/userinfo" => Self::UserInfo,
            "/device/code" | "/o/oauth2/device/code" => Self::DeviceCode,
            _ => Self::from_extra_path(path),
        }
    }

    /// The name used in scenario files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Authorize => "authorize",
            Self::Revoke => "revoke",
            Self::TokenInfo => "tokeninfo",
            Self::Discovery => "discovery",
            Self::Jwks => "jwks",
            Self::Unknown => "unknown",
            Self::GmailProfile => "gmail_profile",
            Self::GmailMessagesList => "gmail_messages_list",
            Self::GmailMessagesGet => "gmail_messages_get",
            Self::GmailSend => "gmail_send",
            Self::GmailHistory => "gmail_history",
            Self::Admin => "admin",
            Self::UserInfo => "userinfo",
            Self::DeviceCode => "device_code",
        }
    }

    /// True for the Gmail API endpoints.
    pub fn is_gmail(self) -> bool {
        matches!(
            self,
            Self::GmailProfile
                | Self::GmailMessagesList
                | Self::GmailMessagesGet
                | Self::GmailSend
                | Self::GmailHistory
        )
    }

    /// Gmail and admin paths, which carry ids and so cannot be matched whole.
    fn from_extra_path(path: &str) -> Self {
        if path.starts_with("/__admin/") || path == "/__admin" {
            return Self::Admin;
        }
        // Only `messages.send` has an upload path.
        if let Some(upload) = path.strip_prefix("/upload") {
            return match Self::from_extra_path(upload) {
                Self::GmailSend => Self::GmailSend,
                _ => Self::Unknown,
            };
        }
        let Some(rest) = path.strip_prefix("/gmail/v1/users/") else {
            return Self::Unknown;
        };
        let segments: Vec<&str> = rest.split('/').collect();
        match segments.as_slice() {
            [_, "profile"] => Self::GmailProfile,
            [_, "messages"] => Self::GmailMessagesList,
            [_, "messages", "send"] => Self::GmailSend,
            [_, "messages", _] => Self::GmailMessagesGet,
            [_, "history"] => Self::GmailHistory,
            _ => Self::Unknown,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The provider's id for one consent: an (account, client) grant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GrantId(pub String);

impl fmt::Display for GrantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An access token the provider issued in answer to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedToken {
    /// Which token (never its value).
    pub fingerprint: Fingerprint,
    /// Provider time it was issued.
    pub issued_at: SystemTime,
    /// Provider time it stops working.
    pub expires_at: SystemTime,
}

/// One request as the provider saw it.
///
/// Times are provider-clock readings, so in sim mode they are simulated
/// time and the same seed reproduces them exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Position in the journal, from 0.
    pub seq: u64,
    /// Provider time the request arrived.
    pub started_at: SystemTime,
    /// Provider time the response left (or the connection was dropped).
    pub finished_at: SystemTime,
    /// HTTP method.
    pub method: String,
    /// Which endpoint.
    pub endpoint: Endpoint,
    /// The client that authenticated or named itself, if any.
    pub client_id: Option<String>,
    /// The account the request concerned, when the provider could tell.
    pub account: Option<String>,
    /// The grant the request concerned, when the provider could tell.
    pub grant_id: Option<GrantId>,
    /// `grant_type` of a token request.
    pub grant_type: Option<String>,
    /// Fingerprints of every token the request presented.
    pub presented: Vec<Fingerprint>,
    /// The access token issued, if any.
    pub issued: Option<IssuedToken>,
    /// The HTTP status answered: 0 when no answer went out (the mock
    /// dropped the connection, or the client gave up, e.g. timed out during
    /// a delay fault).
    pub status: u16,
    /// The OAuth or API error code answered, if any.
    pub error: Option<String>,
    /// The faults that shaped the answer, if any: their labels in mount
    /// order joined by ` + ` (delays stack with the fault that answered).
    pub fault: Option<String>,
    /// Request details added after the first slice (path, Message-ID, URL
    /// secrets); defaulted when reading older journals.
    #[serde(default)]
    pub request: RequestDetails,
}

/// More of what the provider saw of a request, for checkers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDetails {
    /// The request path, without the query string (which may hold secrets).
    pub path: String,
    /// The `Message-ID` header of a Gmail send, for counting deliveries.
    pub message_id: Option<String>,
    /// The Gmail message id created by a send.
    pub gmail_message_id: Option<String>,
    /// True when the URL (path or query) carried a registered secret or a
    /// credential parameter such as `access_token`: a leak by the client.
    pub url_secret: bool,
}

impl JournalEntry {
    /// True for a `refresh_token` grant request.
    pub fn is_refresh(&self) -> bool {
        self.endpoint == Endpoint::Token && self.grant_type.as_deref() == Some("refresh_token")
    }

    /// The label of each fault that shaped the answer, in mount order
    /// (`fault` split at ` + `).
    pub fn fault_labels(&self) -> impl Iterator<Item = &str> {
        self.fault.iter().flat_map(|label| label.split(" + "))
    }

    /// True when the request succeeded (2xx).
    pub fn succeeded(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl fmt::Display for JournalEntry {
    /// One line: `#seq [start +took] METHOD endpoint account grant -> status error fault`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let took = self
            .finished_at
            .duration_since(self.started_at)
            .unwrap_or_default();
        write!(
            f,
            "#{} [{} +{}ms] {} {}",
            self.seq,
            humantime::format_rfc3339_millis(self.started_at),
            took.as_millis(),
            self.method,
            self.endpoint
        )?;
        if let Some(account) = &self.account {
            write!(f, " account={account}")?;
        }
        if let Some(grant) = &self.grant_id {
            write!(f, " grant={grant}")?;
        }
        write!(f, " -> {}", self.status)?;
        if let Some(error) = &self.error {
            write!(f, " error={error}")?;
        }
        if let Some(fault) = &self.fault {
            write!(f, " fault={fault}")?;
        }
        Ok(())
    }
}
