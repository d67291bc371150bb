//! A service account's private key, read from Google's JSON key file.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use jsonwebtoken::EncodingKey;
use secrecy::{ExposeSecret, SecretString};

/// A service account's key could not be used.
///
/// Messages name the file or field and never contain key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceAccountKeyError {
    /// The key file could not be read.
    #[error("could not read the service-account key file `{path}`")]
    Read {
        /// The file.
        path: String,
        /// The IO failure.
        #[source]
        source: std::io::Error,
    },
    /// The key file is not the JSON Google issues.
    #[error("the service-account key file is not valid json: {reason}")]
    NotJson {
        /// What the parser said (line and column, never the content).
        reason: String,
    },
    /// The key file is JSON of another credential type.
    #[error("the key file has `type` = `{found}`; a service-account key has `service_account`")]
    WrongType {
        /// The `type` field found.
        found: String,
    },
    /// `private_key` is not an RSA private key in PEM form.
    #[error("the `private_key` of service account `{client_email}` is not an rsa key in pem form")]
    NotRsaPem {
        /// The service account.
        client_email: String,
    },
    /// `client_email` is empty.
    #[error("the key file's `client_email` is empty")]
    MissingClientEmail,
}

/// A service account's signing key: its email, key id and RSA private key.
///
/// The private key is a secret like a refresh token: `Debug` shows only the email and
/// key id, and the broker seals it at rest with the token store's keyring.
///
/// ```
/// use reference_impl::ServiceAccountKey;
///
/// let pem = include_str!("../../../mock-provider/tests/keys/service_account.pem");
/// let json = serde_json::json!({
///     "type": "service_account",
///     "client_email": "robot@project.iam.gserviceaccount.com",
///     "private_key_id": "k1",
///     "private_key": pem,
/// });
/// let key = ServiceAccountKey::from_json(json.to_string().as_bytes())?;
/// assert_eq!(key.client_email(), "robot@project.iam.gserviceaccount.com");
/// assert!(!format!("{key:?}").contains("PRIVATE KEY"));
/// # Ok::<_, reference_impl::ServiceAccountKeyError>(())
/// ```
#[derive(Clone)]
pub struct ServiceAccountKey {
    inner: Arc<Parsed>,
}

struct Parsed {
    client_email: String,
    private_key_id: Option<String>,
    pem: SecretString,
    encoding: EncodingKey,
}

#[derive(serde::Deserialize)]
struct KeyFile {
    #[serde(rename = "type")]
    kind: Option<String>,
    client_email: String,
    private_key: String,
    #[serde(default)]
    private_key_id: Option<String>,
}

impl ServiceAccountKey {
    /// Parses Google's JSON key file (`type`, `client_email`, `private_key_id`,
    /// `private_key`; other fields are ignored).
    ///
    /// # Errors
    ///
    /// [`ServiceAccountKeyError`] naming what is wrong; never the key itself.
    pub fn from_json(json: &[u8]) -> Result<Self, ServiceAccountKeyError> {
        let file: KeyFile =
            serde_json::from_slice(json).map_err(|error| ServiceAccountKeyError::NotJson {
                reason: format!("line {} column {}", error.line(), error.column()),
            })?;
        if let Some(kind) = file.kind.filter(|kind| kind != "service_account") {
            return Err(ServiceAccountKeyError::WrongType { found: kind });
        }
        Self::from_parts(file.client_email, file.private_key_id, file.private_key)
    }

    /// Reads and parses a JSON key file.
    ///
    /// # Errors
    ///
    /// As [`from_json`](Self::from_json), plus [`ServiceAccountKeyError::Read`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ServiceAccountKeyError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| ServiceAccountKeyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_json(&bytes)
    }

    /// Builds a key from its parts: the account's email, the key id sent as the
    /// assertion's `kid` (optional) and the RSA private key in PEM form.
    ///
    /// # Errors
    ///
    /// [`ServiceAccountKeyError::NotRsaPem`] or [`ServiceAccountKeyError::MissingClientEmail`].
    pub fn from_parts(
        client_email: impl Into<String>,
        private_key_id: Option<String>,
        private_key_pem: impl Into<String>,
    ) -> Result<Self, ServiceAccountKeyError> {
        let client_email = client_email.into();
        if client_email.is_empty() {
            return Err(ServiceAccountKeyError::MissingClientEmail);
        }
        let pem = SecretString::from(private_key_pem.into());
        let encoding = EncodingKey::from_rsa_pem(pem.expose_secret().as_bytes()).map_err(|_| {
            ServiceAccountKeyError::NotRsaPem {
                client_email: client_email.clone(),
            }
        })?;
        Ok(Self {
            inner: Arc::new(Parsed {
                client_email,
                private_key_id: private_key_id.filter(|id| !id.is_empty()),
                pem,
                encoding,
            }),
        })
    }

    /// The service account's email: the assertion's `iss`.
    pub fn client_email(&self) -> &str {
        &self.inner.client_email
    }

    /// The key id, sent as the assertion header's `kid`.
    pub fn private_key_id(&self) -> Option<&str> {
        self.inner.private_key_id.as_deref()
    }

    /// The PEM, for sealing at rest. Never log it.
    pub(crate) fn expose_pem(&self) -> &str {
        self.inner.pem.expose_secret()
    }

    pub(crate) fn encoding_key(&self) -> &EncodingKey {
        &self.inner.encoding
    }
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("client_email", &self.inner.client_email)
            .field("private_key_id", &self.inner.private_key_id)
            .finish_non_exhaustive()
    }
}

/// What a broker account acquires with a service-account key: the key, the user to
/// act as under domain-wide delegation (`subject`), and the scopes to ask for.
///
/// ```
/// # let pem = include_str!("../../../mock-provider/tests/keys/service_account.pem");
/// use reference_impl::{ServiceAccountGrant, ServiceAccountKey};
///
/// let key = ServiceAccountKey::from_parts("robot@project.iam.gserviceaccount.com", None, pem)?;
/// let grant = ServiceAccountGrant::new(key, ["https://www.googleapis.com/auth/gmail.readonly"])
///     .acting_as("alice@example.com");
/// assert_eq!(grant.subject.as_deref(), Some("alice@example.com"));
/// # Ok::<_, reference_impl::ServiceAccountKeyError>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServiceAccountGrant {
    /// The signing key.
    pub key: ServiceAccountKey,
    /// The user to impersonate (domain-wide delegation), sent as `sub`.
    pub subject: Option<String>,
    /// The scopes every assertion asks for, sorted and without duplicates.
    pub scopes: Vec<String>,
}

impl ServiceAccountGrant {
    /// A grant for `key` asking for `scopes`, acting as the service account itself.
    pub fn new(
        key: ServiceAccountKey,
        scopes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        let mut scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        scopes.sort();
        scopes.dedup();
        Self {
            key,
            subject: None,
            scopes,
        }
    }

    /// Acts as `subject` (domain-wide delegation).
    pub fn acting_as(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
}
