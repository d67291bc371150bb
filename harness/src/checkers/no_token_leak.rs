use super::{Checker, Judgement, Violation, capped};
use crate::run::RunRecord;
use crate::scenario::NoTokenLeakParams;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use mock_provider::SecretKind;
use secrecy::ExposeSecret;
use std::collections::{BTreeSet, HashMap};

const NAME: &str = "no_token_leak";

/// No secret the provider issued or was configured with appears in what
/// the broker wrote where secrets do not belong: its logs (captured at
/// TRACE), the messages of its errors, the URLs it requested, or the
/// plaintext bytes of its store. A secret counts as present in its raw,
/// URL-encoded or base64 form, or as any run of `min_substring` characters
/// of those forms (so a truncated token in a log line is still a leak).
#[derive(Debug, Clone)]
pub struct NoTokenLeak {
    params: NoTokenLeakParams,
}

impl NoTokenLeak {
    /// A checker with these parameters.
    pub fn new(params: NoTokenLeakParams) -> Self {
        Self { params }
    }
}

/// Where in the encoded forms a window came from.
#[derive(Debug, Clone, Copy)]
struct Origin {
    kind: SecretKind,
    form: &'static str,
}

fn forms(secret: &str) -> [(&'static str, String); 4] {
    let url = serde_urlencoded::to_string([("v", secret)])
        .map(|s| s.trim_start_matches("v=").to_owned())
        .unwrap_or_else(|_| secret.to_owned());
    [
        ("raw", secret.to_owned()),
        ("url-encoded", url),
        ("base64", STANDARD.encode(secret)),
        ("base64url", URL_SAFE_NO_PAD.encode(secret)),
    ]
}

impl Checker for NoTokenLeak {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        if run.secrets.is_empty() {
            return Judgement::unknown("the provider registered no secret: nothing to look for");
        }
        let width = self.params.min_substring.max(4);
        let mut windows: HashMap<Vec<u8>, Origin> = HashMap::new();
        for secret in &run.secrets {
            for (form, text) in forms(secret.value.expose_secret()) {
                let bytes = text.as_bytes();
                if bytes.len() < width {
                    continue;
                }
                for window in bytes.windows(width) {
                    windows.entry(window.to_vec()).or_insert(Origin {
                        kind: secret.kind,
                        form,
                    });
                }
            }
        }
        let mut places: Vec<(String, &[u8])> =
            vec![("the broker's log".to_owned(), &run.broker_log)];
        for message in &run.failure_messages {
            places.push(("an error message".to_owned(), message.as_bytes()));
        }
        for url in &run.request_urls {
            places.push(("a request url".to_owned(), url.as_bytes()));
        }
        for (store, bytes) in &run.store_bytes {
            places.push((format!("the plaintext bytes of store `{store}`"), bytes));
        }
        if places.iter().all(|(_, bytes)| bytes.is_empty()) {
            return Judgement::unknown(
                "no log, error message, request URL or store bytes were captured: nothing to scan",
            );
        }
        let mut reported = BTreeSet::new();
        let mut found = Vec::new();
        for (place, bytes) in places {
            if bytes.len() < width {
                continue;
            }
            for (offset, window) in bytes.windows(width).enumerate() {
                let Some(origin) = windows.get(window) else {
                    continue;
                };
                let key = (place.clone(), format!("{:?}", origin.kind), origin.form);
                if reported.insert(key) {
                    found.push(Violation {
                        invariant: NAME,
                        message: format!(
                            "{place} holds {width}+ characters of a {} ({} form) at byte {offset}",
                            kind_name(origin.kind),
                            origin.form
                        ),
                        entries: Vec::new(),
                    });
                }
            }
        }
        Judgement::from_violations(capped(NAME, found))
    }
}

fn kind_name(kind: SecretKind) -> &'static str {
    match kind {
        SecretKind::AccessToken => "access token",
        SecretKind::RefreshToken => "refresh token",
        SecretKind::ClientSecret => "client secret",
        SecretKind::AuthorizationCode => "authorization code",
        SecretKind::IdToken => "id_token",
        SecretKind::CodeVerifier => "PKCE code verifier",
        SecretKind::JwtAssertion => "JWT assertion",
        SecretKind::DeviceCode => "device code",
    }
}
