//! Who may ask the relay for what: roles (an account and the scopes its consumers
//! get) and consumers (a bearer credential and a role).

use std::collections::BTreeMap;
use std::fmt;

use sha2::{Digest, Sha256};

/// A consumer role: tokens of `account` limited to `scopes`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Role {
    /// The broker account whose grant pays for the tokens.
    pub account: String,
    /// The scopes consumers of this role get, sorted, without duplicates.
    pub scopes: Vec<String>,
}

/// One consumer: its id (for logs and metrics) and role. Its credential is kept
/// only as a SHA-256 digest.
#[derive(Clone)]
pub(crate) struct Consumer {
    pub id: String,
    pub role: String,
    pub credential: [u8; 32],
}

impl fmt::Debug for Consumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("id", &self.id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A relay configuration does not hold together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RelayConfigError {
    /// A consumer names a role that is not defined.
    #[error("consumer `{consumer}` has role `{role}`, which is not defined; add it with `role`")]
    UnknownRole {
        /// The consumer.
        consumer: String,
        /// The role it names.
        role: String,
    },
    /// Two consumers share an id or a credential.
    #[error("consumer `{consumer}` repeats another consumer's id or credential")]
    DuplicateConsumer {
        /// The later consumer.
        consumer: String,
    },
    /// A role grants no scope.
    #[error("role `{role}` has no scopes; every role must be down-scoped explicitly")]
    EmptyRole {
        /// The role.
        role: String,
    },
    /// A consumer credential is too short to be a secret.
    #[error("consumer `{consumer}` has a credential shorter than 32 characters")]
    WeakCredential {
        /// The consumer.
        consumer: String,
    },
}

/// The relay's roles, consumers and alert threshold.
///
/// ```
/// use reference_impl::RelayConfig;
///
/// let config = RelayConfig::new()
///     .role("reader", "alice", ["https://www.googleapis.com/auth/gmail.readonly"])
///     .consumer("sync-worker", "a-long-random-secret-of-32-chars-or-more", "reader")
///     .alert_after(3);
/// assert!(config.validate().is_ok());
/// assert!(!format!("{config:?}").contains("a-long-random"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct RelayConfig {
    pub(crate) roles: BTreeMap<String, Role>,
    pub(crate) consumers: Vec<Consumer>,
    pub(crate) alert_after: Option<u32>,
}

impl RelayConfig {
    /// Default for [`alert_after`](Self::alert_after): three consecutive failures.
    pub const DEFAULT_ALERT_AFTER: u32 = 3;

    /// No roles, no consumers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Defines `role`: tokens of `account` limited to `scopes`.
    pub fn role(
        mut self,
        role: impl Into<String>,
        account: impl Into<String>,
        scopes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        let mut scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        scopes.sort();
        scopes.dedup();
        self.roles.insert(
            role.into(),
            Role {
                account: account.into(),
                scopes,
            },
        );
        self
    }

    /// Adds consumer `id`, who authenticates with the bearer `credential` and gets
    /// tokens of `role`.
    pub fn consumer(
        mut self,
        id: impl Into<String>,
        credential: impl AsRef<str>,
        role: impl Into<String>,
    ) -> Self {
        let credential = credential.as_ref();
        let mut consumer = Consumer {
            id: id.into(),
            role: role.into(),
            credential: credential_digest(credential),
        };
        if credential.len() < 32 {
            // Marked so `validate` refuses it; the secret itself is not kept.
            consumer.credential = [0; 32];
        }
        self.consumers.push(consumer);
        self
    }

    /// Alert after this many consecutive acquisition failures of one role.
    pub fn alert_after(mut self, failures: u32) -> Self {
        self.alert_after = Some(failures.max(1));
        self
    }

    /// The roles, by name.
    pub fn roles(&self) -> &BTreeMap<String, Role> {
        &self.roles
    }

    /// Checks that every consumer has a defined role and a unique, long credential,
    /// and that every role has scopes.
    ///
    /// # Errors
    ///
    /// The first [`RelayConfigError`] found.
    pub fn validate(&self) -> Result<(), RelayConfigError> {
        if let Some((role, _)) = self.roles.iter().find(|(_, r)| r.scopes.is_empty()) {
            return Err(RelayConfigError::EmptyRole { role: role.clone() });
        }
        for (index, consumer) in self.consumers.iter().enumerate() {
            if consumer.credential == [0; 32] {
                return Err(RelayConfigError::WeakCredential {
                    consumer: consumer.id.clone(),
                });
            }
            if !self.roles.contains_key(&consumer.role) {
                return Err(RelayConfigError::UnknownRole {
                    consumer: consumer.id.clone(),
                    role: consumer.role.clone(),
                });
            }
            let repeated = self.consumers[..index]
                .iter()
                .any(|c| c.id == consumer.id || c.credential == consumer.credential);
            if repeated {
                return Err(RelayConfigError::DuplicateConsumer {
                    consumer: consumer.id.clone(),
                });
            }
        }
        Ok(())
    }
}

pub(crate) fn credential_digest(credential: &str) -> [u8; 32] {
    Sha256::digest(credential.as_bytes()).into()
}
