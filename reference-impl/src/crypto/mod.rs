//! Encryption at rest for stored grants.
//!
//! `keyring.rs` loads the keys (several, one primary) from an environment variable or
//! a file; `seal.rs` turns a [`StoredGrant`](crate::StoredGrant) into a
//! [`SealedGrant`] with XChaCha20-Poly1305 and back. The associated data binds each
//! ciphertext to its account and version, so a record copied to another account, or
//! replayed under another version, fails to open. `error.rs` lists keyring failures.

mod error;
mod keyring;
mod seal;

pub use self::error::KeyringError;
pub use self::keyring::{KEYRING_ENV, Keyring};
pub use self::seal::SealedGrant;
