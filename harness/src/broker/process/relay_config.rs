//! The `relay.toml` the harness writes for the relay under test
//! (docs/PROTOCOL.md, "The relay under test"), and the environment that
//! carries its secrets: the file only names variables, as `token-relay`
//! reads it, so no secret sits on disk but the service-account key files.

use crate::broker::{BrokerEnv, RelaySetup, ServiceAccountKeyed};
use secrecy::ExposeSecret;
use serde::Serialize;
use std::net::SocketAddr;
use std::path::Path;

#[derive(Debug, Serialize)]
struct RelayFile {
    listen: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    alert_after: Option<u32>,
    store: String,
    provider: Provider,
    accounts: Vec<Account>,
    service_accounts: Vec<ServiceAccount>,
    roles: Vec<Role>,
    consumers: Vec<Consumer>,
}

#[derive(Debug, Serialize)]
struct Provider {
    token_url: String,
    client_id: String,
    client_secret_env: String,
}

#[derive(Debug, Serialize)]
struct Account {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token_env: Option<String>,
}

#[derive(Debug, Serialize)]
struct ServiceAccount {
    name: String,
    key_file: String,
    scopes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
}

#[derive(Debug, Serialize)]
struct Role {
    name: String,
    account: String,
    scopes: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Consumer {
    id: String,
    role: String,
    credential_env: String,
}

/// The two config files of one relay (first start, and every restart:
/// without refresh tokens, so a restarted relay serves from its store) and
/// the variables they name.
pub(super) struct RelayFiles {
    /// `relay.toml`.
    pub first: String,
    /// `relay-restart.toml`.
    pub restart: String,
    /// `NAME=value` for every secret the files name.
    pub secrets: Vec<(String, String)>,
}

const CLIENT_SECRET_ENV: &str = "OAUTH_CHAOS_RELAY_CLIENT_SECRET";

/// Writes the service-account key files into `dir` (mode 0600) and
/// returns the configs for a relay listening on `listen` over `store`.
pub(super) fn write_files(
    env: &BrokerEnv,
    relay: &RelaySetup,
    service_accounts: &[ServiceAccountKeyed],
    dir: &Path,
    listen: SocketAddr,
    store: &str,
) -> std::io::Result<RelayFiles> {
    let mut secrets = vec![(
        CLIENT_SECRET_ENV.to_owned(),
        env.client_secret.expose_secret().to_owned(),
    )];
    let mut accounts = Vec::new();
    for (n, (account, refresh_token)) in env.accounts.iter().enumerate() {
        let var = format!("OAUTH_CHAOS_RELAY_REFRESH_TOKEN_{n}");
        secrets.push((var.clone(), refresh_token.expose_secret().to_owned()));
        accounts.push(Account {
            name: account.clone(),
            refresh_token_env: Some(var),
        });
    }
    let mut keyed = Vec::new();
    for (n, account) in service_accounts.iter().enumerate() {
        let key_file = format!("service-account-{n}.json");
        write_private(&dir.join(&key_file), account.key_json.expose_secret())?;
        keyed.push(ServiceAccount {
            name: account.account.clone(),
            key_file,
            scopes: account.scopes.clone(),
            subject: account.subject.clone(),
        });
    }
    let mut consumers = Vec::new();
    for (n, consumer) in relay.consumers.iter().enumerate() {
        let var = format!("OAUTH_CHAOS_RELAY_CONSUMER_{n}");
        secrets.push((var.clone(), consumer.credential.expose_secret().to_owned()));
        consumers.push(Consumer {
            id: consumer.id.clone(),
            role: consumer.role.clone(),
            credential_env: var,
        });
    }
    let mut file = RelayFile {
        listen: listen.to_string(),
        alert_after: relay.alert_after,
        store: store.to_owned(),
        provider: Provider {
            token_url: env.token_url.clone(),
            client_id: env.client_id.clone(),
            client_secret_env: CLIENT_SECRET_ENV.to_owned(),
        },
        accounts,
        service_accounts: keyed,
        roles: relay
            .roles
            .iter()
            .map(|(name, account, scopes)| Role {
                name: name.clone(),
                account: account.clone(),
                scopes: scopes.clone(),
            })
            .collect(),
        consumers,
    };
    let first = to_toml(&file)?;
    for account in &mut file.accounts {
        account.refresh_token_env = None;
    }
    let restart = to_toml(&file)?;
    Ok(RelayFiles {
        first,
        restart,
        secrets,
    })
}

fn to_toml(file: &RelayFile) -> std::io::Result<String> {
    toml::to_string(file).map_err(std::io::Error::other)
}

/// Creates `path` readable by its owner only, as a key file should be.
pub(super) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}
