//! The provider's model of Google: clients, accounts, grants and tokens.
//!
//! `model.rs` holds the records, `policy.rs` the settings that shape token
//! lifetimes, `provider_clock.rs` the skewable clock, `mint.rs` the seeded
//! token generator and `secrets.rs` the registry of every secret the
//! provider issued or was given. [`ProviderState`] ties them together behind
//! one lock; the lifecycle rules that change grants live in
//! `crate::lifecycle`.

mod addresses;
mod identity;
mod mint;
mod model;
mod policy;
mod provider_clock;
pub(crate) mod scopes;
mod secrets;

pub use model::{AccessTokenRecord, Account, Client, Grant, RevocationCause};
pub use policy::{ConsentMode, RevokeUnknown, Rotation, TokenPolicy};
pub use secrets::{RegisteredSecret, SecretKind, SecretRegistry};

pub(crate) use addresses::Addresses;
pub use addresses::IN_MEMORY_URI;
pub(crate) use mint::TokenMint;
pub(crate) use model::{
    AuthorizationCode, CodeChallenge, Consent, IssuedAccessTokens, RefreshTokenRecord,
};
pub(crate) use provider_clock::{ProviderClock, clamp_time};

use crate::signing::{ServiceAccountKey, SigningKeys};
use crate::{Clock, GrantId};
use rustc_hash::FxHashMap as HashMap;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

/// Everything mutable about the provider.
///
/// Token maps hash with Fx, not SipHash: their keys are tokens the mock
/// minted at random (nobody can choose colliding keys to insert), and they
/// are hashed several times per refresh.
#[derive(Debug)]
pub(crate) struct Model {
    pub clients: BTreeMap<String, Client>,
    pub accounts: BTreeMap<String, Account>,
    /// The account that consents when `login_hint` names none we know.
    pub default_account: Option<String>,
    pub grants: BTreeMap<GrantId, Grant>,
    /// refresh token value -> its record
    pub refresh_tokens: HashMap<String, RefreshTokenRecord>,
    /// access token value -> record
    pub access_tokens: HashMap<String, AccessTokenRecord>,
    /// grant -> the access tokens issued under it, so revocation and early
    /// invalidation touch only that grant's tokens.
    pub grant_access_tokens: HashMap<GrantId, IssuedAccessTokens>,
    /// (account, client) -> live offline grants, oldest first (the
    /// refresh-token limit evicts from the front).
    pub offline_grants: BTreeMap<(String, String), VecDeque<GrantId>>,
    /// (account, client) -> what was consented so far.
    pub consents: BTreeMap<(String, String), Consent>,
    /// authorization code value -> what it was issued for
    pub codes: HashMap<String, AuthorizationCode>,
    /// Sweep expired codes once `codes` reaches this size.
    pub code_sweep_at: usize,
    pub consent_mode: ConsentMode,
    /// Device authorizations (RFC 8628), by device code and user code.
    pub devices: crate::device::DeviceAuthorizations,
    pub mint: TokenMint,
    pub policy: TokenPolicy,
    pub next_grant: u64,
}

impl Model {
    pub fn new(seed: u64, policy: TokenPolicy) -> Self {
        Self {
            clients: BTreeMap::new(),
            accounts: BTreeMap::new(),
            default_account: None,
            grants: BTreeMap::new(),
            refresh_tokens: HashMap::default(),
            access_tokens: HashMap::default(),
            grant_access_tokens: HashMap::default(),
            offline_grants: BTreeMap::new(),
            consents: BTreeMap::new(),
            codes: HashMap::default(),
            code_sweep_at: 64,
            consent_mode: ConsentMode::default(),
            devices: crate::device::DeviceAuthorizations::default(),
            mint: TokenMint::new(seed),
            policy,
            next_grant: 0,
        }
    }
}

/// The provider state shared by the router, the handle and the admin API.
#[derive(Debug, Clone)]
pub struct ProviderState {
    model: Arc<Mutex<Model>>,
    /// The provider clock (injected clock + skew); what everything reads.
    pub(crate) clock: Arc<dyn Clock>,
    /// The same clock, for skew and jump operations.
    pub(crate) provider_clock: Arc<ProviderClock>,
    pub(crate) secrets: SecretRegistry,
    /// The id_token signing keys (published and active), parsed once each.
    pub(crate) signing: Arc<SigningKeys>,
    /// Service accounts for the jwt-bearer grant: email -> public key.
    pub(crate) service_accounts: Arc<BTreeMap<String, ServiceAccountKey>>,
    /// The advertised base URI and the issuer.
    pub(crate) addresses: Addresses,
}

impl ProviderState {
    pub(crate) fn new(clock: Arc<dyn Clock>, seed: u64, policy: TokenPolicy) -> Self {
        let provider_clock = Arc::new(ProviderClock::new(clock));
        Self {
            model: Arc::new(Mutex::new(Model::new(seed, policy))),
            clock: provider_clock.clone(),
            provider_clock,
            secrets: SecretRegistry::default(),
            signing: Arc::new(SigningKeys::shipped()),
            service_accounts: Arc::new(BTreeMap::new()),
            addresses: Addresses::new(IN_MEMORY_URI),
        }
    }

    /// Locks the model. Never held across an await.
    pub(crate) fn model(&self) -> MutexGuard<'_, Model> {
        // Handlers validate before they mutate, so a poisoned lock still
        // holds a consistent model.
        self.model.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The issuer identifier (the provider's base URI unless configured).
    pub(crate) fn issuer(&self) -> Arc<str> {
        self.addresses.issuer()
    }

    /// The prefix of every URL the provider advertises.
    pub(crate) fn base_uri(&self) -> Arc<str> {
        self.addresses.base()
    }
}
