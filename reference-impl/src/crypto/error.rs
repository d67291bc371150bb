use std::path::PathBuf;

/// Why a [`Keyring`](super::Keyring) could not be loaded.
///
/// Messages name lines and key ids, never key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyringError {
    /// The environment variable is not set (or not valid UTF-8).
    #[error("environment variable `{var}` is not set; put `kid:base64key` entries in it")]
    MissingEnv {
        /// The variable's name.
        var: String,
    },
    /// The key file could not be read.
    #[error("could not read keyring file `{path}`")]
    Read {
        /// The file.
        path: PathBuf,
        /// The IO failure.
        #[source]
        source: std::io::Error,
    },
    /// No key was given.
    #[error("keyring is empty; give at least one `kid:base64key` entry (the first is primary)")]
    Empty,
    /// An entry is not `kid:base64key`.
    #[error("keyring entry {entry} is not `kid:base64key` with a non-empty key id")]
    Malformed {
        /// 1-based entry number.
        entry: usize,
    },
    /// An entry's key is not standard base64.
    #[error("key `{kid}` (entry {entry}) is not valid base64")]
    BadBase64 {
        /// The key id.
        kid: String,
        /// 1-based entry number.
        entry: usize,
    },
    /// An entry's key is not 32 bytes.
    #[error("key `{kid}` (entry {entry}) is {length} bytes; keys must be 32 bytes")]
    WrongKeyLength {
        /// The key id.
        kid: String,
        /// 1-based entry number.
        entry: usize,
        /// The decoded length.
        length: usize,
    },
    /// Two entries share a key id.
    #[error("key id `{kid}` appears twice; key ids must be unique")]
    DuplicateKid {
        /// The key id.
        kid: String,
    },
}
