use std::fmt;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::{Key, KeyInit, XChaCha20Poly1305};

use super::KeyringError;

/// The environment variable [`Keyring::from_default_env`] reads.
pub const KEYRING_ENV: &str = "OAUTH_CHAOS_STORE_KEYS";

/// The keys that seal stored grants: several, the first one primary.
///
/// New records are sealed with the primary key; records sealed with any key in the
/// ring still open, which is how key rotation works: put the new key first, keep the
/// old ones, run [`rotate_keys`](crate::rotate_keys), then drop the old keys.
///
/// # Format
///
/// Entries of `kid:base64key`, separated by newlines or commas; the key is 32 bytes
/// in standard base64 (`openssl rand -base64 32`). Blank lines and lines starting
/// with `#` are ignored. The first entry is the primary key.
///
/// ```text
/// # newest first
/// k2:q83vEjRWeJ...base64...=
/// k1:AAECAwQFBg...base64...=
/// ```
///
/// `Debug` shows key ids only, never key material.
///
/// ```
/// use reference_impl::Keyring;
///
/// let keyring = Keyring::parse(
///     "k2:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\nk1:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=",
/// )?;
/// assert_eq!(keyring.primary_kid(), "k2");
/// assert_eq!(format!("{keyring:?}"), r#"Keyring { primary: "k2", kids: ["k2", "k1"] }"#);
/// # Ok::<_, reference_impl::KeyringError>(())
/// ```
#[derive(Clone)]
pub struct Keyring {
    /// Primary first; a handful of keys, so a linear scan beats a map.
    keys: Vec<(String, XChaCha20Poly1305)>,
}

impl Keyring {
    /// Parses the [format](Self#format).
    pub fn parse(text: &str) -> Result<Self, KeyringError> {
        let entries = text
            .split(['\n', ','])
            .map(str::trim)
            .filter(|entry| !entry.is_empty() && !entry.starts_with('#'));
        let mut keys: Vec<(String, XChaCha20Poly1305)> = Vec::new();
        for (index, entry) in entries.enumerate() {
            let number = index + 1;
            let (kid, encoded) = entry
                .split_once(':')
                .map(|(kid, key)| (kid.trim(), key.trim()))
                .filter(|(kid, _)| !kid.is_empty())
                .ok_or(KeyringError::Malformed { entry: number })?;
            let bytes = STANDARD
                .decode(encoded)
                .map_err(|_| KeyringError::BadBase64 {
                    kid: kid.to_owned(),
                    entry: number,
                })?;
            let key: [u8; 32] =
                bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| KeyringError::WrongKeyLength {
                        kid: kid.to_owned(),
                        entry: number,
                        length: bytes.len(),
                    })?;
            if keys.iter().any(|(existing, _)| existing == kid) {
                return Err(KeyringError::DuplicateKid {
                    kid: kid.to_owned(),
                });
            }
            keys.push((
                kid.to_owned(),
                XChaCha20Poly1305::new(Key::from_slice(&key)),
            ));
        }
        if keys.is_empty() {
            return Err(KeyringError::Empty);
        }
        Ok(Self { keys })
    }

    /// Reads the keyring from environment variable `var`.
    pub fn from_env(var: &str) -> Result<Self, KeyringError> {
        let text = std::env::var(var).map_err(|_| KeyringError::MissingEnv {
            var: var.to_owned(),
        })?;
        Self::parse(&text)
    }

    /// Reads the keyring from [`KEYRING_ENV`] (`OAUTH_CHAOS_STORE_KEYS`).
    pub fn from_default_env() -> Result<Self, KeyringError> {
        Self::from_env(KEYRING_ENV)
    }

    /// Reads the keyring from a file in the [format](Self#format); keep it mode 0600.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, KeyringError> {
        use std::os::unix::fs::PermissionsExt as _;
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| KeyringError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mode = std::fs::metadata(path).map_or(0, |meta| meta.permissions().mode());
        if mode & 0o077 != 0 {
            tracing::warn!(path = %path.display(), mode = format!("{mode:o}"), "keyring file is readable by others; chmod 600 it");
        }
        Self::parse(&text)
    }

    /// A one-key ring with a fresh random key, for tests and first-time setup.
    ///
    /// ```
    /// use reference_impl::Keyring;
    ///
    /// let line = Keyring::generate_entry("k1");
    /// assert_eq!(Keyring::parse(&line)?.primary_kid(), "k1");
    /// # Ok::<_, reference_impl::KeyringError>(())
    /// ```
    pub fn generate(kid: &str) -> Self {
        let key: [u8; 32] = rand::random();
        Self {
            keys: vec![(
                kid.to_owned(),
                XChaCha20Poly1305::new(Key::from_slice(&key)),
            )],
        }
    }

    /// A `kid:base64key` entry with a fresh random key from the OS-seeded CSPRNG.
    pub fn generate_entry(kid: &str) -> String {
        let key: [u8; 32] = rand::random();
        format!("{kid}:{}", STANDARD.encode(key))
    }

    /// A ring with `other`'s keys appended after this one's (this primary stays).
    ///
    /// Key ids already present here win.
    pub fn with_fallback(mut self, other: &Keyring) -> Self {
        for (kid, cipher) in &other.keys {
            if self.cipher(kid).is_none() {
                self.keys.push((kid.clone(), cipher.clone()));
            }
        }
        self
    }

    /// The id of the key new records are sealed with.
    pub fn primary_kid(&self) -> &str {
        &self.keys[0].0
    }

    /// All key ids, primary first.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(kid, _)| kid.as_str())
    }

    pub(super) fn primary(&self) -> (&str, &XChaCha20Poly1305) {
        let (kid, cipher) = &self.keys[0];
        (kid, cipher)
    }

    pub(super) fn cipher(&self, kid: &str) -> Option<&XChaCha20Poly1305> {
        self.keys
            .iter()
            .find(|(candidate, _)| candidate == kid)
            .map(|(_, cipher)| cipher)
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("primary", &self.primary_kid())
            .field("kids", &self.kids().collect::<Vec<_>>())
            .finish()
    }
}
