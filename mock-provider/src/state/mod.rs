//! The provider's model of Google: clients, accounts, grants and tokens.
//!
//! `model.rs` holds the records, `mint.rs` the seeded token generator and
//! `secrets.rs` the registry of every secret the provider issued or was given.
//! [`ProviderState`] ties them together behind one lock.

mod mint;
mod model;
mod secrets;

pub use model::{AccessTokenRecord, Account, Client, Grant};
pub use secrets::{RegisteredSecret, SecretKind, SecretRegistry};

pub(crate) use mint::TokenMint;

use crate::{Clock, GrantId};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Settings that shape how tokens are issued.
#[derive(Debug, Clone)]
pub struct TokenPolicy {
    /// Lifetime of an access token (Google: 3599 s).
    pub access_token_ttl: Duration,
}

impl Default for TokenPolicy {
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(3599),
        }
    }
}

/// Everything mutable about the provider.
#[derive(Debug)]
pub(crate) struct Model {
    pub clients: BTreeMap<String, Client>,
    pub accounts: BTreeMap<String, Account>,
    pub grants: BTreeMap<GrantId, Grant>,
    /// refresh token value -> grant
    pub refresh_tokens: HashMap<String, GrantId>,
    /// access token value -> record
    pub access_tokens: HashMap<String, AccessTokenRecord>,
    pub mint: TokenMint,
    pub policy: TokenPolicy,
    next_grant: u64,
}

impl Model {
    pub fn new(seed: u64, policy: TokenPolicy) -> Self {
        Self {
            clients: BTreeMap::new(),
            accounts: BTreeMap::new(),
            grants: BTreeMap::new(),
            refresh_tokens: HashMap::new(),
            access_tokens: HashMap::new(),
            mint: TokenMint::new(seed),
            policy,
            next_grant: 0,
        }
    }

    /// Creates a grant with a fresh refresh token for `account` and `client_id`.
    pub fn create_grant(
        &mut self,
        account: &str,
        client_id: &str,
        scopes: Vec<String>,
        secrets: &SecretRegistry,
        now: std::time::SystemTime,
    ) -> (GrantId, String) {
        self.next_grant += 1;
        let grant_id = GrantId(format!("g{}", self.next_grant));
        let refresh_token = self.mint.refresh_token();
        secrets.register(SecretKind::RefreshToken, &refresh_token);
        self.refresh_tokens
            .insert(refresh_token.clone(), grant_id.clone());
        self.grants.insert(
            grant_id.clone(),
            Grant {
                id: grant_id.clone(),
                account: account.to_owned(),
                client_id: client_id.to_owned(),
                scopes,
                created_at: now,
                revoked: false,
            },
        );
        (grant_id, refresh_token)
    }
}

/// The provider state shared by the router, the handle and the admin API.
#[derive(Debug, Clone)]
pub struct ProviderState {
    model: Arc<Mutex<Model>>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) secrets: SecretRegistry,
}

impl ProviderState {
    pub(crate) fn new(clock: Arc<dyn Clock>, seed: u64, policy: TokenPolicy) -> Self {
        Self {
            model: Arc::new(Mutex::new(Model::new(seed, policy))),
            clock,
            secrets: SecretRegistry::default(),
        }
    }

    /// Locks the model. Never held across an await.
    pub(crate) fn model(&self) -> MutexGuard<'_, Model> {
        // Handlers validate before they mutate, so a poisoned lock still
        // holds a consistent model.
        self.model.lock().unwrap_or_else(|e| e.into_inner())
    }
}
