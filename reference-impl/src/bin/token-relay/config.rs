//! `relay.toml`: where the relay listens, the provider and client it acquires
//! with, the accounts and service accounts behind its roles, the roles, and the
//! consumers. Secrets never sit in the file: the client secret, refresh tokens
//! and consumer credentials are read from environment variables it names, and
//! service-account keys from the key files it names.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Why `relay.toml` cannot be used. Every message names the file and the field,
/// and none carries a secret's value.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    #[error("cannot read relay config `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid relay config `{path}`: field `{field}`: {message}")]
    Parse {
        path: PathBuf,
        field: String,
        message: String,
    },
    #[error("invalid relay config `{path}`: `{field}` {message}")]
    Invalid {
        path: PathBuf,
        field: String,
        message: String,
    },
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RelayFile {
    /// Where consumers reach the relay (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// Where Prometheus scrapes `/metrics`; default: the `listen` socket.
    pub metrics_listen: Option<SocketAddr>,
    /// Consecutive acquisition failures of one role before the alert.
    pub alert_after: Option<u32>,
    /// The token store (`memory`, `file:DIR`, `sqlite:PATH`, a postgres URL).
    #[serde(default = "memory")]
    pub store: String,
    pub provider: ProviderSection,
    #[serde(default)]
    pub accounts: Vec<AccountSection>,
    #[serde(default)]
    pub service_accounts: Vec<ServiceAccountSection>,
    #[serde(default)]
    pub roles: Vec<RoleSection>,
    #[serde(default)]
    pub consumers: Vec<ConsumerSection>,
}

fn memory() -> String {
    "memory".to_owned()
}

/// `[provider]`: the token endpoint and the OAuth client.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProviderSection {
    pub token_url: String,
    pub client_id: String,
    /// The environment variable holding the client secret.
    pub client_secret_env: String,
}

/// `[[accounts]]`: a user grant, its refresh token from the environment (or
/// already in the store).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccountSection {
    pub name: String,
    pub refresh_token_env: Option<String>,
}

/// `[[service_accounts]]`: the jwt-bearer grant from a Google JSON key file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServiceAccountSection {
    pub name: String,
    pub key_file: PathBuf,
    pub scopes: Vec<String>,
    /// Domain-wide delegation: the user to act as.
    pub subject: Option<String>,
}

/// `[[roles]]`: an account and the scopes its consumers get.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoleSection {
    pub name: String,
    pub account: String,
    pub scopes: Vec<String>,
}

/// `[[consumers]]`: an id (for logs and metrics), a role, and the environment
/// variable holding its bearer credential.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConsumerSection {
    pub id: String,
    pub role: String,
    pub credential_env: String,
}

impl RelayFile {
    /// Reads and checks `path`; key files are resolved against its folder.
    pub fn load(path: &Path) -> Result<(Self, PathBuf), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let file: Self =
            serde_path_to_error::deserialize(toml::Deserializer::new(&text)).map_err(|error| {
                let field = match error.path().to_string() {
                    p if p == "." || p.is_empty() => "(file)".to_owned(),
                    p => p,
                };
                ConfigError::Parse {
                    path: path.to_owned(),
                    field,
                    message: error.into_inner().message().to_owned(),
                }
            })?;
        file.check()
            .map_err(|(field, message)| ConfigError::Invalid {
                path: path.to_owned(),
                field,
                message,
            })?;
        let dir = path.parent().map(Path::to_owned).unwrap_or_default();
        Ok((file, dir))
    }

    /// Names, references and scopes hold together.
    fn check(&self) -> Result<(), (String, String)> {
        url::Url::parse(&self.provider.token_url).map_err(|e| {
            (
                "provider.token_url".to_owned(),
                format!("must be an absolute URL ({e})"),
            )
        })?;
        let mut accounts = BTreeSet::new();
        let named = self.accounts.iter().map(|a| ("accounts", &a.name)).chain(
            self.service_accounts
                .iter()
                .map(|s| ("service_accounts", &s.name)),
        );
        for (n, (table, name)) in named.enumerate() {
            if name.is_empty() || !accounts.insert(name.as_str()) {
                return Err((
                    format!("{table}.name"),
                    format!("`{name}` is empty or names an account a second time (entry {n})"),
                ));
            }
        }
        for (n, service) in self.service_accounts.iter().enumerate() {
            if service.scopes.is_empty() {
                return Err((
                    format!("service_accounts[{n}].scopes"),
                    "must name at least one scope".to_owned(),
                ));
            }
        }
        for (n, role) in self.roles.iter().enumerate() {
            if !accounts.contains(role.account.as_str()) {
                return Err((
                    format!("roles[{n}].account"),
                    format!(
                        "`{}` is not one of `accounts` or `service_accounts`",
                        role.account
                    ),
                ));
            }
        }
        if self.consumers.is_empty() {
            return Err((
                "consumers".to_owned(),
                "must name at least one consumer".to_owned(),
            ));
        }
        if self.alert_after == Some(0) {
            return Err(("alert_after".to_owned(), "must be 1 or more".to_owned()));
        }
        Ok(())
    }
}

/// The value of environment variable `var`, named by `field`.
pub(crate) fn secret_from_env(field: &str, var: &str) -> Result<String, String> {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Ok(value),
        _ => Err(format!("`{field}`: set the environment variable `{var}`")),
    }
}
