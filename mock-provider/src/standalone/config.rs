use super::ConfigError;
use super::service_accounts::{PublicKey, ServiceAccountConfig};
use crate::{GmailSettings, MockProviderBuilder};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `provider.toml`: how the standalone provider is set up. Unknown fields
/// are errors.
///
/// ```
/// let config: mock_provider::standalone::ProviderConfig = toml::from_str(r#"
///     seed = 7
///     accounts = ["alice@example.com", "bob@example.com"]
///     access_token_ttl_secs = 600
///     [client]
///     id = "my-client.apps.googleusercontent.com"
///     secret = "GOCSPX-test"
///     [gmail]
///     mailbox_size = 10
/// "#).unwrap();
/// let provider = config.builder()?.build();
/// assert_eq!(provider.mailbox("bob@example.com").len(), 10);
/// # Ok::<(), mock_provider::standalone::ConfigError>(())
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// Seed for tokens, mailboxes and fault draws.
    #[serde(default)]
    pub seed: u64,
    /// Port on 127.0.0.1 (0 = a free port); `--port` overrides it.
    #[serde(default)]
    pub port: u16,
    /// The registered client (default: a Google-shaped id, seeded secret).
    pub client: Option<ClientConfig>,
    /// More clients (`[[extra_clients]]`), with the same redirect URIs and no
    /// seeded grants: for tests where two clients meet.
    #[serde(default)]
    pub extra_clients: Vec<ClientConfig>,
    /// Accounts, each with a consented offline grant.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// Scopes of the seeded grants.
    pub scopes: Option<Vec<String>>,
    /// Access-token lifetime in seconds (default 3599).
    pub access_token_ttl_secs: Option<u64>,
    /// Gmail settings.
    #[serde(default)]
    pub gmail: GmailConfig,
    /// OAuth lifecycle settings.
    #[serde(default)]
    pub oauth: OAuthConfig,
    /// The base URI clients reach the server at, when not its socket (a
    /// proxy, a container network): every advertised URL starts with it.
    pub public_uri: Option<String>,
    /// `iss` of discovery, id_tokens and authorization responses (default:
    /// the base URI).
    pub issuer: Option<String>,
    /// Service accounts for the jwt-bearer grant (`[[service_accounts]]`).
    #[serde(default)]
    pub service_accounts: Vec<ServiceAccountConfig>,
    /// The folder key files are read from: the config file's, once loaded.
    #[serde(skip)]
    pub config_dir: Option<PathBuf>,
}

/// `[oauth]`: the refresh-token lifecycle and RFC options.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthConfig {
    /// Registered redirect URIs (default `http://127.0.0.1/callback`).
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Authorization-code lifetime in seconds (default 600).
    pub code_ttl_secs: Option<u64>,
    /// Live refresh tokens per account and client before the oldest is
    /// silently evicted (default 100).
    pub refresh_token_limit: Option<usize>,
    /// A Testing-mode app: refresh tokens die 7 days after consent.
    #[serde(default)]
    pub testing_mode: bool,
    /// Unused refresh tokens die after this many seconds (default 183 days).
    pub refresh_idle_expiry_secs: Option<u64>,
    /// Rotate refresh tokens on every refresh, the previous one working for
    /// this many seconds (off by default, as at Google).
    pub rotation_grace_secs: Option<u64>,
    /// Answer revoking an unknown token with RFC 7009's 200 instead of
    /// Google's 400.
    #[serde(default)]
    pub rfc7009_revoke: bool,
    /// Scopes the device flow may ask for (default: Google's short list,
    /// which has no Gmail scope).
    pub device_flow_scopes: Option<Vec<String>>,
}

/// `[client]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// Client id.
    pub id: String,
    /// Client secret.
    pub secret: String,
}

/// `[gmail]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GmailConfig {
    /// Messages generated per account.
    pub mailbox_size: Option<usize>,
    /// Per-account overrides: `[gmail.mailbox_sizes]` `"bob@example.com" = 500`.
    #[serde(default)]
    pub mailbox_sizes: std::collections::BTreeMap<String, usize>,
    /// History kept this long before `startHistoryId` gets 404.
    pub history_retention_secs: Option<u64>,
    /// Largest random gap between history ids.
    pub history_id_max_gap: Option<u64>,
    /// The empty-first-page quirk of `history.list`.
    pub empty_first_history_page: Option<bool>,
    /// Per-user quota in units per minute.
    pub quota_units_per_minute: Option<u32>,
    /// Largest body of a JSON-path send (default 5 MiB).
    pub send_body_limit_bytes: Option<usize>,
    /// Largest message on the upload path (default 35 MiB).
    pub upload_limit_bytes: Option<usize>,
}

impl ProviderConfig {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut config: Self = toml::from_str(&text).map_err(|source| {
            let offset = source.span().map_or(0, |span| span.start);
            let before = &text[..offset.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            ConfigError::Parse {
                path: path.to_owned(),
                line,
                column,
                message: source.message().to_owned(),
                source: Box::new(source),
            }
        })?;
        config.config_dir = path.parent().map(Path::to_owned);
        Ok(config)
    }

    /// A provider builder with these settings. Fails when a service
    /// account's key cannot be read or parsed (file names are relative to
    /// [`config_dir`](Self::config_dir), else the working directory).
    pub fn builder(&self) -> Result<MockProviderBuilder, ConfigError> {
        let mut builder = crate::MockProvider::builder().seed(self.seed);
        if let Some(uri) = &self.public_uri {
            builder = builder.public_uri(uri);
        }
        if let Some(issuer) = &self.issuer {
            builder = builder.issuer(issuer);
        }
        let dir = self.config_dir.as_deref().unwrap_or(Path::new(""));
        for (index, account) in self.service_accounts.iter().enumerate() {
            let resolved = account.resolve(index, dir)?;
            let added = match &resolved.public_key {
                PublicKey::Pem(pem) => builder.service_account(&resolved.email, pem),
                PublicKey::Pkcs1Der(der) => Ok(builder.service_account_der(&resolved.email, der)),
            };
            builder = added.map_err(|source| ConfigError::ServiceAccountKey {
                entry: format!("service_accounts[{index}]"),
                source,
            })?;
        }
        if let Some(client) = &self.client {
            builder = builder.client(&client.id, &client.secret);
        }
        for client in &self.extra_clients {
            builder = builder.add_client(&client.id, &client.secret);
        }
        for account in &self.accounts {
            builder = builder.account(account);
        }
        if let Some(scopes) = &self.scopes {
            builder = builder.scopes(scopes.clone());
        }
        if let Some(ttl) = self.access_token_ttl_secs {
            builder = builder.access_token_ttl(Duration::from_secs(ttl));
        }
        let oauth = &self.oauth;
        for uri in &oauth.redirect_uris {
            builder = builder.redirect_uri(uri);
        }
        if let Some(secs) = oauth.code_ttl_secs {
            builder = builder.code_ttl(Duration::from_secs(secs));
        }
        if let Some(limit) = oauth.refresh_token_limit {
            builder = builder.refresh_token_limit(limit);
        }
        if let Some(secs) = oauth.refresh_idle_expiry_secs {
            builder = builder.refresh_idle_expiry(Duration::from_secs(secs));
        }
        if let Some(secs) = oauth.rotation_grace_secs {
            builder = builder.rotate_refresh_tokens(Duration::from_secs(secs));
        }
        if let Some(scopes) = &oauth.device_flow_scopes {
            builder = builder.device_flow_scopes(scopes.clone());
        }
        if oauth.rfc7009_revoke {
            builder = builder.revoke_unknown(crate::RevokeUnknown::Rfc7009Ok);
        }
        builder = builder.testing_mode(oauth.testing_mode);
        let defaults = GmailSettings::default();
        let gmail = &self.gmail;
        Ok(builder.gmail(GmailSettings {
            mailbox_size: gmail.mailbox_size.unwrap_or(defaults.mailbox_size),
            mailbox_sizes: gmail.mailbox_sizes.clone(),
            history_retention: gmail
                .history_retention_secs
                .map_or(defaults.history_retention, Duration::from_secs),
            history_id_max_gap: gmail
                .history_id_max_gap
                .unwrap_or(defaults.history_id_max_gap),
            empty_first_history_page: gmail
                .empty_first_history_page
                .unwrap_or(defaults.empty_first_history_page),
            quota_units_per_minute: gmail.quota_units_per_minute,
            send_body_limit: gmail
                .send_body_limit_bytes
                .unwrap_or(defaults.send_body_limit),
            upload_limit: gmail.upload_limit_bytes.unwrap_or(defaults.upload_limit),
        }))
    }
}
