//! `[[service_accounts]]`: service accounts for the jwt-bearer grant, with
//! the key given inline, as a public-key file, or as the JSON key file
//! Google hands out (the one google-auth reads), so a test in any language
//! can point the client library and the mock at the same file.

use super::ConfigError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// One `[[service_accounts]]` entry. Exactly one key source is given.
///
/// ```toml
/// [[service_accounts]]
/// email = "robot@project.iam.gserviceaccount.com"
/// public_key_file = "keys/robot.pub.pem"   # relative to the config file
///
/// [[service_accounts]]
/// key_file = "robot-key.json"              # Google's JSON key: client_email + private_key
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountConfig {
    /// The service account's email (`iss` of its assertions). Taken from
    /// `client_email` when `key_file` is given.
    pub email: Option<String>,
    /// The RSA public key, PEM, inline.
    pub public_key_pem: Option<String>,
    /// A file holding the RSA public key as PEM.
    pub public_key_file: Option<PathBuf>,
    /// Google's JSON key file (`client_email`, `private_key`); the mock keeps
    /// only the public half of the key.
    pub key_file: Option<PathBuf>,
}

/// The part of Google's service-account JSON key file the mock reads.
#[derive(Deserialize)]
struct GoogleKeyFile {
    client_email: String,
    private_key: String,
}

/// A service account ready for the builder: email and public key (PEM or
/// PKCS#1 DER).
#[derive(Debug)]
pub(crate) struct ResolvedServiceAccount {
    pub email: String,
    pub public_key: PublicKey,
}

#[derive(Debug)]
pub(crate) enum PublicKey {
    Pem(Vec<u8>),
    Pkcs1Der(Vec<u8>),
}

impl ServiceAccountConfig {
    /// Reads the key, resolving file names against `dir` (the config
    /// file's folder). `index` names the entry in errors.
    pub(crate) fn resolve(
        &self,
        index: usize,
        dir: &Path,
    ) -> Result<ResolvedServiceAccount, ConfigError> {
        let entry = || format!("service_accounts[{index}]");
        let sources = [
            self.public_key_pem.is_some(),
            self.public_key_file.is_some(),
            self.key_file.is_some(),
        ];
        if sources.iter().filter(|given| **given).count() != 1 {
            return Err(ConfigError::ServiceAccount {
                entry: entry(),
                problem: "give exactly one of `public_key_pem`, `public_key_file`, `key_file`"
                    .to_owned(),
            });
        }
        // Named by the entry's field, so the headline says which setting
        // pointed at the file.
        let read = |field: &str, path: &Path| {
            let path = dir.join(path);
            std::fs::read(&path).map_err(|source| ConfigError::ServiceAccount {
                entry: format!("{}.{field}", entry()),
                problem: format!("cannot read `{}`: {source}", path.display()),
            })
        };
        let missing_email = || ConfigError::ServiceAccount {
            entry: entry(),
            problem: "`email` is required with a public key".to_owned(),
        };
        if let Some(pem) = &self.public_key_pem {
            let email = self.email.clone().ok_or_else(missing_email)?;
            return Ok(ResolvedServiceAccount {
                email,
                public_key: PublicKey::Pem(pem.as_bytes().to_vec()),
            });
        }
        if let Some(path) = &self.public_key_file {
            let email = self.email.clone().ok_or_else(missing_email)?;
            return Ok(ResolvedServiceAccount {
                email,
                public_key: PublicKey::Pem(read("public_key_file", path)?),
            });
        }
        let path = self.key_file.as_deref().unwrap_or(Path::new(""));
        let bad_key_file = |problem: String| ConfigError::ServiceAccount {
            entry: format!("{} (`{}`)", entry(), dir.join(path).display()),
            problem,
        };
        let key: GoogleKeyFile = serde_json::from_slice(&read("key_file", path)?)
            .map_err(|e| bad_key_file(format!("not a Google JSON key file: {e}")))?;
        if self
            .email
            .as_ref()
            .is_some_and(|email| *email != key.client_email)
        {
            return Err(bad_key_file(
                "`email` differs from the key file's `client_email`".to_owned(),
            ));
        }
        let public = public_half(&key.private_key).map_err(bad_key_file)?;
        Ok(ResolvedServiceAccount {
            email: key.client_email,
            public_key: PublicKey::Pkcs1Der(public),
        })
    }
}

/// The PKCS#1 DER public key of an RSA private key in PEM (PKCS#8, as
/// Google writes it, or PKCS#1). The private key is dropped here.
fn public_half(private_pem: &str) -> Result<Vec<u8>, String> {
    let block = pem::parse(private_pem).map_err(|_| "`private_key` is not PEM".to_owned())?;
    let pair = match block.tag() {
        "PRIVATE KEY" => ring::rsa::KeyPair::from_pkcs8(block.contents()),
        "RSA PRIVATE KEY" => ring::rsa::KeyPair::from_der(block.contents()),
        other => {
            return Err(format!(
                "`private_key` is a `{other}`, not an RSA private key"
            ));
        }
    }
    .map_err(|e| format!("`private_key` is not a usable RSA key ({e})"))?;
    Ok(pair.public().as_ref().to_vec())
}
