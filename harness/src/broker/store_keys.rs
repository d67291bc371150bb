//! The keyring every instance of a run with a shared durable store seals
//! its records with (the run registers it; see `run/run_store.rs`).

use super::RunShared;
use secrecy::{ExposeSecret, SecretString};

/// The [`RunShared`] name of the run's [`RunStoreKeys`].
pub const RUN_STORE_KEYS: &str = "run.store-keys";

/// The keyring every instance of a run seals its records with, in
/// `OAUTH_CHAOS_STORE_KEYS` format (`kid:base64key`).
#[derive(Debug, Clone)]
pub struct RunStoreKeys(pub SecretString);

impl RunStoreKeys {
    /// A fresh keyring of one random 256-bit key, id `run`.
    pub fn generate() -> Self {
        use base64::Engine as _;
        use rand::RngCore as _;
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        let key = base64::engine::general_purpose::STANDARD.encode(key);
        Self(SecretString::from(format!("run:{key}")))
    }

    /// The run's keyring, if the run provisioned a shared store.
    pub fn of(shared: &RunShared) -> Option<std::sync::Arc<Self>> {
        shared.get::<Self>(RUN_STORE_KEYS)
    }
}

/// `OAUTH_CHAOS_STORE_KEYS` for a process instance of a run with a shared
/// store.
pub fn store_keys_env(shared: &RunShared) -> Vec<(String, String)> {
    RunStoreKeys::of(shared)
        .map(|keys| {
            vec![(
                "OAUTH_CHAOS_STORE_KEYS".to_owned(),
                keys.0.expose_secret().to_owned(),
            )]
        })
        .unwrap_or_default()
}
