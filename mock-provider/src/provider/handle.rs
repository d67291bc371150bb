use super::MockProviderBuilder;
use crate::fault::{Fault, FaultGuard, FaultSet};
use crate::journal::{GrantId, Journal};
use crate::server::router;
use crate::shared::{Shared, SharedParts};
use crate::state::{Account, Grant, ProviderState, SecretRegistry};
use axum::Router;
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use tokio::sync::oneshot;

pub use crate::state::IN_MEMORY_URI;

/// A running mock of Google's OAuth 2.0 provider.
///
/// ```
/// # async fn example() {
/// let provider = mock_provider::MockProvider::start().await;
/// let token_url = provider.token_url();
/// assert!(token_url.starts_with("http://127.0.0.1:"));
/// # }
/// ```
///
/// Dropping it stops the server.
#[derive(Debug)]
pub struct MockProvider {
    shared: Shared,
    client_id: String,
    refresh_tokens: BTreeMap<String, SecretString>,
    address: Option<SocketAddr>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl MockProvider {
    pub(crate) fn new(
        state: ProviderState,
        client_id: String,
        refresh_tokens: BTreeMap<String, SecretString>,
    ) -> Self {
        Self {
            shared: Shared::new(SharedParts {
                state,
                journal: Journal::default(),
                faults: FaultSet::default(),
                gmail: crate::gmail::GmailStore::default(),
                timeouts: crate::shared::Timeouts::default(),
                in_flight: crate::shared::InFlight::default(),
            }),
            client_id,
            refresh_tokens,
            address: None,
            shutdown: None,
        }
    }

    /// Starts a provider with default options on `127.0.0.1` and a free port.
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// Options for a provider.
    pub fn builder() -> MockProviderBuilder {
        MockProviderBuilder::default()
    }

    pub(crate) async fn listen(self) -> Self {
        // Binding port 0 on loopback only fails when the machine has no
        // loopback interface, which no test can work around.
        self.listen_on(0)
            .await
            .expect("bind 127.0.0.1:0 for the mock provider")
    }

    /// The provider as an axum [`Router`], for in-memory use with
    /// `tower::ServiceExt::oneshot`. Shares state with the server.
    pub fn router(&self) -> Router {
        router(self.shared.clone(), crate::admin::routes(self.view()))
    }

    /// `http://127.0.0.1:PORT`, or [`IN_MEMORY_URI`] when built without a socket.
    pub fn uri(&self) -> String {
        match self.address {
            Some(address) => format!("http://{address}"),
            None => IN_MEMORY_URI.to_owned(),
        }
    }

    /// The socket address, when serving one.
    pub fn address(&self) -> Option<SocketAddr> {
        self.address
    }

    /// The token endpoint URL.
    pub fn token_url(&self) -> String {
        format!("{}/token", self.uri())
    }

    /// The registered client's id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The registered client's secret.
    pub fn client_secret(&self) -> SecretString {
        let model = self.shared.state.model();
        model
            .clients
            .get(&self.client_id)
            .map(|c| c.secret.clone())
            .unwrap_or_else(|| SecretString::from(String::new()))
    }

    /// The refresh token of the grant seeded for `account` at build time.
    pub fn refresh_token(&self, account: &str) -> Option<SecretString> {
        self.refresh_tokens.get(account).cloned()
    }

    /// Every account the provider knows, by email.
    pub fn accounts(&self) -> Vec<(String, Account)> {
        let model = self.shared.state.model();
        model
            .accounts
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The request journal.
    pub fn journal(&self) -> &Journal {
        &self.shared.journal
    }

    /// Every secret issued or configured, for leak checks.
    pub fn secrets(&self) -> &SecretRegistry {
        &self.shared.state.secrets
    }

    /// Mounts a fault; it stays active while the returned guard lives.
    pub fn mount(&self, fault: Fault) -> FaultGuard {
        self.shared.faults.mount(fault)
    }

    /// How many requests the provider has begun and not yet finished
    /// (answered, dropped, or abandoned by their client). A harness that
    /// moves time forward waits for zero, so no request straddles a jump.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let provider = mock_provider::MockProvider::start().await;
    /// assert_eq!(provider.requests_in_flight(), 0);
    /// # }
    /// ```
    pub fn requests_in_flight(&self) -> usize {
        self.shared.in_flight.count()
    }

    /// How many faults are mounted now.
    pub fn mounted_faults(&self) -> usize {
        self.shared.faults.len()
    }

    /// Every grant the provider holds, in id order.
    pub fn grants(&self) -> Vec<Grant> {
        self.shared.state.model().grants.values().cloned().collect()
    }

    /// The user consents once more to this client, as when a second
    /// deployment with a store of its own signs the same account in: a new
    /// grant with the seeded grant's scopes and a refresh token of its own.
    /// The earlier grants stay live (up to the per-account limit). `None`
    /// for an account with no grant to this client.
    ///
    /// ```
    /// use mock_provider::MockProvider;
    /// use secrecy::ExposeSecret;
    /// let provider = MockProvider::builder().account("alice@example.com").build();
    /// let seeded = provider.refresh_token("alice@example.com").unwrap();
    /// let (grant, token) = provider.consent_again("alice@example.com").unwrap();
    /// assert_ne!(token.expose_secret(), seeded.expose_secret());
    /// assert_eq!(provider.grants().len(), 2);
    /// assert!(provider.grants().iter().any(|g| g.id == grant && !g.revoked));
    /// ```
    pub fn consent_again(&self, account: &str) -> Option<(GrantId, SecretString)> {
        let state = &self.shared.state;
        let now = state.clock.now();
        let mut model = state.model();
        let scopes = model
            .grants
            .values()
            .find(|grant| grant.account == account && grant.client_id == self.client_id)?
            .scopes
            .clone();
        let (grant, token) =
            model.create_grant(account, &self.client_id, scopes, &state.secrets, now);
        Some((grant, SecretString::from(token)))
    }

    /// The user revokes every grant of `account` (as from their Google
    /// account page). Returns how many grants were revoked.
    pub fn revoke_account(&self, account: &str) -> usize {
        self.shared
            .state
            .model()
            .revoke_account(account, crate::state::RevocationCause::User)
    }

    /// True when `token` is a live access token at the provider's now.
    pub fn access_token_is_valid(&self, token: &SecretString) -> bool {
        let now = self.shared.state.clock.now();
        let model = self.shared.state.model();
        model
            .access_tokens
            .get(token.expose_secret())
            .is_some_and(|r| r.expires_at > now)
    }
}

impl MockProvider {
    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// The authorization endpoint URL (`/o/oauth2/v2/auth`).
    pub fn authorize_url(&self) -> String {
        format!("{}/o/oauth2/v2/auth", self.uri())
    }

    /// The revocation endpoint URL.
    pub fn revoke_url(&self) -> String {
        format!("{}/revoke", self.uri())
    }

    /// The tokeninfo endpoint URL.
    pub fn tokeninfo_url(&self) -> String {
        format!("{}/tokeninfo", self.uri())
    }

    /// The JWKS URL (`/oauth2/v3/certs`).
    pub fn jwks_url(&self) -> String {
        format!("{}/oauth2/v3/certs", self.uri())
    }

    /// The issuer identifier (the base URI unless configured).
    pub fn issuer(&self) -> String {
        self.shared.state.issuer().to_string()
    }

    /// The client's first registered redirect URI.
    pub fn redirect_uri(&self) -> String {
        let model = self.shared.state.model();
        model
            .clients
            .get(&self.client_id)
            .and_then(|c| c.redirect_uris.first().cloned())
            .unwrap_or_default()
    }
}

impl Drop for MockProvider {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl MockProvider {
    /// A handle on the same provider that owns no server: the admin API
    /// calls the same operations a Rust user does through it.
    pub(crate) fn view(&self) -> Self {
        Self {
            shared: self.shared.clone(),
            client_id: self.client_id.clone(),
            refresh_tokens: self.refresh_tokens.clone(),
            address: self.address,
            shutdown: None,
        }
    }

    /// Installs the parts the builder configures after [`MockProvider::new`].
    pub(crate) fn install(
        &mut self,
        gmail: crate::gmail::GmailStore,
        fault_seed: u64,
        journal: Journal,
        timeouts: crate::shared::Timeouts,
    ) {
        self.shared = Shared::new(SharedParts {
            state: self.shared.state.clone(),
            journal,
            faults: FaultSet::with_seed(fault_seed),
            gmail,
            timeouts,
            in_flight: crate::shared::InFlight::default(),
        });
    }

    pub(crate) fn set_address(&mut self, address: SocketAddr) {
        self.address = Some(address);
    }

    pub(crate) fn set_shutdown(&mut self, shutdown: oneshot::Sender<()>) {
        self.shutdown = Some(shutdown);
    }
}
