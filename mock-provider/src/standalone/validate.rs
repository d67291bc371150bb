//! The documented range of every `provider.toml` setting. A value that
//! parses but makes no sense (a TTL of 0, a limit of 0, an account that is
//! not an email, the same account twice) is an error naming the field,
//! never silently accepted.

use super::ProviderConfig;
use std::collections::BTreeSet;

/// One setting outside its range: which, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` {message}")]
pub struct InvalidSetting {
    /// The setting, as written in the file (`oauth.refresh_token_limit`,
    /// `accounts[1]`).
    pub field: String,
    /// What is wrong with its value.
    pub message: String,
}

pub(super) const DAY: u64 = 86_400;
const YEAR: u64 = 365 * DAY;
/// Most messages generated per mailbox (each is held in memory).
pub const MAX_MAILBOX_SIZE: usize = 100_000;

pub(super) fn invalid(field: impl Into<String>, message: impl Into<String>) -> InvalidSetting {
    InvalidSetting {
        field: field.into(),
        message: message.into(),
    }
}

pub(super) fn range(
    field: &str,
    value: Option<u64>,
    low: u64,
    high: u64,
) -> Result<(), InvalidSetting> {
    match value {
        Some(v) if !(low..=high).contains(&v) => Err(invalid(
            field,
            format!("must be in {low}..={high}, got {v}"),
        )),
        _ => Ok(()),
    }
}

/// `local@domain`, one line, no spaces: what Google accepts as an account.
pub(super) fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

pub(super) fn one_word(field: &str, text: &str) -> Result<(), InvalidSetting> {
    if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            field,
            format!("must be one non-empty word, got {text:?}"),
        ));
    }
    Ok(())
}

impl ProviderConfig {
    /// Checks every setting against its documented range (docs/ADMIN_API.md).
    ///
    /// ```
    /// let config: mock_provider::standalone::ProviderConfig =
    ///     toml::from_str("accounts = [\"alice@example.com\", \"alice@example.com\"]").unwrap();
    /// let error = config.validate().unwrap_err();
    /// assert_eq!(error.field, "accounts[1]");
    /// ```
    pub fn validate(&self) -> Result<(), InvalidSetting> {
        self.validate_accounts()?;
        self.validate_clients()?;
        range("access_token_ttl_secs", self.access_token_ttl_secs, 1, YEAR)?;
        if let Some(scopes) = &self.scopes {
            if scopes.is_empty() {
                return Err(invalid("scopes", "must name at least one scope"));
            }
            for (n, scope) in scopes.iter().enumerate() {
                one_word(&format!("scopes[{n}]"), scope)?;
            }
        }
        self.validate_oauth()?;
        self.validate_gmail()?;
        self.validate_limits()?;
        self.validate_addresses()
    }

    fn validate_accounts(&self) -> Result<(), InvalidSetting> {
        let mut seen = BTreeSet::new();
        for (n, account) in self.accounts.iter().enumerate() {
            let field = format!("accounts[{n}]");
            if !is_email(account) {
                return Err(invalid(
                    field,
                    format!("must be an email address, got {account:?}"),
                ));
            }
            if !seen.insert(account.to_ascii_lowercase()) {
                return Err(invalid(field, format!("names {account:?} a second time")));
            }
        }
        Ok(())
    }

    fn validate_clients(&self) -> Result<(), InvalidSetting> {
        let mut ids = BTreeSet::new();
        let clients = self.client.iter().map(|c| ("client".to_owned(), c));
        let extra = self
            .extra_clients
            .iter()
            .enumerate()
            .map(|(n, c)| (format!("extra_clients[{n}]"), c));
        for (table, client) in clients.chain(extra) {
            one_word(&format!("{table}.id"), &client.id)?;
            one_word(&format!("{table}.secret"), &client.secret)?;
            if !ids.insert(client.id.clone()) {
                return Err(invalid(
                    format!("{table}.id"),
                    format!("names client {:?} a second time", client.id),
                ));
            }
        }
        Ok(())
    }

    fn validate_oauth(&self) -> Result<(), InvalidSetting> {
        let oauth = &self.oauth;
        let mut seen = BTreeSet::new();
        for (n, uri) in oauth.redirect_uris.iter().enumerate() {
            let field = format!("oauth.redirect_uris[{n}]");
            let parsed = url::Url::parse(uri).map_err(|e| {
                invalid(
                    &field,
                    format!("must be an absolute URL ({e}), got {uri:?}"),
                )
            })?;
            if parsed.fragment().is_some() {
                return Err(invalid(field, "must not have a fragment (RFC 6749 §3.1.2)"));
            }
            if !seen.insert(uri) {
                return Err(invalid(field, format!("names {uri:?} a second time")));
            }
        }
        range("oauth.code_ttl_secs", oauth.code_ttl_secs, 1, DAY)?;
        let limit = oauth.refresh_token_limit.map(|l| l as u64);
        range("oauth.refresh_token_limit", limit, 1, 10_000)?;
        range(
            "oauth.refresh_idle_expiry_secs",
            oauth.refresh_idle_expiry_secs,
            1,
            100 * YEAR,
        )?;
        let per_grant = oauth.access_tokens_per_grant.map(|l| l as u64);
        range("oauth.access_tokens_per_grant", per_grant, 1, 1_000_000)?;
        range(
            "oauth.rotation_grace_secs",
            oauth.rotation_grace_secs,
            0,
            7 * DAY,
        )
    }

    fn validate_gmail(&self) -> Result<(), InvalidSetting> {
        let gmail = &self.gmail;
        let max = MAX_MAILBOX_SIZE as u64;
        range(
            "gmail.mailbox_size",
            gmail.mailbox_size.map(|s| s as u64),
            0,
            max,
        )?;
        for (account, size) in &gmail.mailbox_sizes {
            let field = format!("gmail.mailbox_sizes.{account:?}");
            range(&field, Some(*size as u64), 0, max)?;
            let configured = self.accounts.iter().any(|a| a == account)
                || (self.accounts.is_empty() && account == crate::DEFAULT_ACCOUNT);
            if !configured {
                return Err(invalid(field, "is not one of `accounts`"));
            }
        }
        range(
            "gmail.history_retention_secs",
            gmail.history_retention_secs,
            1,
            100 * YEAR,
        )?;
        range(
            "gmail.history_id_max_gap",
            gmail.history_id_max_gap,
            1,
            1_000_000,
        )?;
        let quota = gmail.quota_units_per_minute.map(u64::from);
        range(
            "gmail.quota_units_per_minute",
            quota,
            1,
            u64::from(u32::MAX),
        )
    }

    fn validate_limits(&self) -> Result<(), InvalidSetting> {
        let server = &self.server;
        range(
            "server.header_read_timeout_secs",
            server.header_read_timeout_secs,
            1,
            3_600,
        )?;
        range(
            "server.body_read_timeout_secs",
            server.body_read_timeout_secs,
            1,
            3_600,
        )
    }
}
