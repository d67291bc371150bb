//! The settings that name places and parties: `public_uri`, `issuer`,
//! `[[service_accounts]]` emails, the device flow's scopes and the Gmail
//! body limits. Each is checked like the numeric ranges in `validate`.

use super::ProviderConfig;
use super::validate::{InvalidSetting, invalid, is_email, one_word, range};
use std::collections::BTreeSet;

/// Largest body limit (JSON-path send, upload): the server holds a body
/// in memory while it reads it.
const MAX_BODY_LIMIT: u64 = 1 << 30;

/// Google's issuer without the scheme, as some id_tokens carry it.
const BARE_GOOGLE_ISSUER: &str = "accounts.google.com";

/// An absolute `http`/`https` URL with a host and no query or fragment.
fn base_url(field: &str, text: &str) -> Result<(), InvalidSetting> {
    let parsed = url::Url::parse(text).map_err(|e| {
        invalid(
            field,
            format!("must be an absolute http(s) URL ({e}), got {text:?}"),
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(invalid(
            field,
            format!("must be an http or https URL with a host, got {text:?}"),
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid(
            field,
            format!("must have no query or fragment, got {text:?}"),
        ));
    }
    Ok(())
}

impl ProviderConfig {
    pub(super) fn validate_addresses(&self) -> Result<(), InvalidSetting> {
        if let Some(uri) = &self.public_uri {
            base_url("public_uri", uri)?;
        }
        if let Some(issuer) = &self.issuer
            && issuer != BARE_GOOGLE_ISSUER
        {
            base_url("issuer", issuer)?;
        }
        let mut emails = BTreeSet::new();
        for (n, account) in self.service_accounts.iter().enumerate() {
            let Some(email) = &account.email else {
                continue;
            };
            let field = format!("service_accounts[{n}].email");
            if !is_email(email) {
                return Err(invalid(
                    field,
                    format!("must be an email address, got {email:?}"),
                ));
            }
            if !emails.insert(email.to_ascii_lowercase()) {
                return Err(invalid(field, format!("names {email:?} a second time")));
            }
        }
        if let Some(scopes) = &self.oauth.device_flow_scopes {
            if scopes.is_empty() {
                return Err(invalid(
                    "oauth.device_flow_scopes",
                    "must name at least one scope",
                ));
            }
            for (n, scope) in scopes.iter().enumerate() {
                one_word(&format!("oauth.device_flow_scopes[{n}]"), scope)?;
            }
        }
        let gmail = &self.gmail;
        for (field, value) in [
            ("gmail.send_body_limit_bytes", gmail.send_body_limit_bytes),
            ("gmail.upload_limit_bytes", gmail.upload_limit_bytes),
        ] {
            range(field, value.map(|v| v as u64), 1, MAX_BODY_LIMIT)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> Option<String> {
        let config: ProviderConfig = toml::from_str(text).expect("toml");
        config.validate().err().map(|e| e.field)
    }

    #[test]
    fn urls_emails_and_scopes_are_checked_naming_their_field() {
        assert_eq!(
            error("public_uri = \"ftp://x\"").as_deref(),
            Some("public_uri")
        );
        assert_eq!(
            error("public_uri = \"http://x/?a=1\"").as_deref(),
            Some("public_uri")
        );
        assert_eq!(error("public_uri = \"http://mock-google:8080\""), None);
        assert_eq!(error("issuer = \"not a url\"").as_deref(), Some("issuer"));
        assert_eq!(error("issuer = \"accounts.google.com\""), None);
        assert_eq!(error("issuer = \"https://accounts.google.com\""), None);
        assert_eq!(
            error("[[service_accounts]]\nemail = \"robot\"\npublic_key_pem = \"x\"").as_deref(),
            Some("service_accounts[0].email")
        );
        assert_eq!(
            error("[oauth]\ndevice_flow_scopes = []").as_deref(),
            Some("oauth.device_flow_scopes")
        );
        assert_eq!(
            error("[gmail]\nupload_limit_bytes = 0").as_deref(),
            Some("gmail.upload_limit_bytes")
        );
    }
}
