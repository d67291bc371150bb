use super::MockProvider;
use crate::Capacity;
use crate::clock::{Clock, SystemClock};
use crate::gmail::GmailStore;
use crate::journal::Journal;
use crate::signing::{InvalidServiceAccountKey, ServiceAccountKey};
use crate::state::{
    Account, Client, ConsentMode, ProviderState, RevokeUnknown, Rotation, SecretKind,
    SecretRegistry, TokenPolicy,
};
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The default client id, shaped like a Google web client id.
pub const DEFAULT_CLIENT_ID: &str = "1234567890-oauthchaos.apps.googleusercontent.com";
/// The default account, seeded when no account is configured.
pub const DEFAULT_ACCOUNT: &str = "alice@example.com";
/// The redirect URI registered when none is configured.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1/callback";
/// The scopes a seeded grant carries unless configured otherwise.
pub const DEFAULT_SCOPES: &[&str] = &["https://www.googleapis.com/auth/gmail.readonly"];

/// Options for a [`MockProvider`]; finish with [`start`](Self::start)
/// (loopback socket) or [`build`](Self::build) (in-memory only).
///
/// ```
/// use std::time::Duration;
/// # async fn example() {
/// let provider = mock_provider::MockProvider::builder()
///     .seed(7)
///     .account("bob@example.com")
///     .access_token_ttl(Duration::from_secs(600))
///     .start()
///     .await;
/// assert!(provider.refresh_token("bob@example.com").is_some());
/// # }
/// ```
#[derive(Debug)]
#[must_use = "a builder does nothing until `start()` or `build()` is called"]
pub struct MockProviderBuilder {
    seed: u64,
    clock: Arc<dyn Clock>,
    client_id: String,
    client_secret: Option<String>,
    accounts: Vec<String>,
    scopes: Vec<String>,
    policy: TokenPolicy,
    redirect_uris: Vec<String>,
    service_accounts: BTreeMap<String, ServiceAccountKey>,
    issuer: Option<String>,
    public_uri: Option<String>,
    consent: ConsentMode,
    extra_clients: Vec<(String, String)>,
    gmail: crate::gmail::GmailSettings,
    journal_capacity: Capacity,
    secret_capacity: Capacity,
    timeouts: crate::shared::Timeouts,
}

impl Default for MockProviderBuilder {
    fn default() -> Self {
        Self {
            seed: 0,
            clock: Arc::new(SystemClock),
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: None,
            accounts: Vec::new(),
            scopes: DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            policy: TokenPolicy::default(),
            redirect_uris: Vec::new(),
            service_accounts: BTreeMap::new(),
            issuer: None,
            public_uri: None,
            consent: ConsentMode::default(),
            extra_clients: Vec::new(),
            gmail: crate::gmail::GmailSettings::default(),
            journal_capacity: Capacity::DEFAULT_JOURNAL,
            secret_capacity: Capacity::DEFAULT_SECRETS,
            timeouts: crate::shared::Timeouts::default(),
        }
    }
}

impl MockProviderBuilder {
    /// Seed for every token and random choice the provider makes.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The clock the provider reads (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The registered client (default: a Google-shaped id and a seeded secret).
    pub fn client(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.client_id = id.into();
        self.client_secret = Some(secret.into());
        self
    }

    /// Adds an account with a consented offline grant for the client.
    pub fn account(mut self, email: impl Into<String>) -> Self {
        self.accounts.push(email.into());
        self
    }

    /// Scopes of the seeded grants.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Access-token lifetime (default 3599 s, as Google).
    pub fn access_token_ttl(mut self, ttl: Duration) -> Self {
        self.policy.access_token_ttl = ttl;
        self
    }

    /// Builds the provider for in-memory use through
    /// [`MockProvider::router`]; no socket is opened.
    pub fn build(self) -> MockProvider {
        let mut state = ProviderState::new(self.clock.clone(), self.seed, self.policy.clone());
        state.secrets = SecretRegistry::with_capacity(self.secret_capacity);
        state.service_accounts = std::sync::Arc::new(self.service_accounts.clone());
        if let Some(issuer) = &self.issuer {
            state.addresses.configure_issuer(issuer);
        }
        if let Some(base) = &self.public_uri {
            state.addresses.configure_base(base);
        }
        let redirect_uris = if self.redirect_uris.is_empty() {
            vec![DEFAULT_REDIRECT_URI.to_owned()]
        } else {
            self.redirect_uris.clone()
        };
        let now = state.clock.now();
        let mut refresh_tokens = BTreeMap::new();
        {
            let mut model = state.model();
            let secret = self
                .client_secret
                .clone()
                .unwrap_or_else(|| format!("GOCSPX-{}", &model.mint.refresh_token()[4..32]));
            state.secrets.register(SecretKind::ClientSecret, &secret);
            model.clients.insert(
                self.client_id.clone(),
                Client {
                    secret: SecretString::from(secret),
                    redirect_uris: redirect_uris.clone(),
                },
            );
            let accounts = if self.accounts.is_empty() {
                vec![DEFAULT_ACCOUNT.to_owned()]
            } else {
                self.accounts.clone()
            };
            for (id, secret) in &self.extra_clients {
                state.secrets.register(SecretKind::ClientSecret, secret);
                model.clients.insert(
                    id.clone(),
                    Client {
                        secret: SecretString::from(secret.clone()),
                        redirect_uris: redirect_uris.clone(),
                    },
                );
            }
            model.default_account = accounts.first().cloned();
            model.consent_mode = self.consent;
            for (n, email) in accounts.iter().enumerate() {
                model
                    .accounts
                    .insert(email.clone(), Account::for_email(email, n));
                let (_, token) = model.create_grant(
                    email,
                    &self.client_id,
                    crate::state::scopes::canonical(self.scopes.iter().map(String::as_str)),
                    &state.secrets,
                    now,
                );
                refresh_tokens.insert(email.clone(), SecretString::from(token));
            }
        }
        let accounts: Vec<String> = state.model().accounts.keys().cloned().collect();
        let gmail = GmailStore::generate(self.gmail.clone(), self.seed, &accounts, now);
        let mut provider = MockProvider::new(state, self.client_id, refresh_tokens);
        provider.install(
            gmail,
            self.seed,
            Journal::with_capacity(self.journal_capacity),
            self.timeouts,
        );
        provider
    }

    /// Registers one more client (same redirect URIs, no seeded grants), for
    /// tests where two clients meet.
    pub fn add_client(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.extra_clients.push((id.into(), secret.into()));
        self
    }

    /// Registers a redirect URI for the client (compared exactly). With none
    /// registered, [`DEFAULT_REDIRECT_URI`] is.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uris.push(uri.into());
        self
    }

    /// Authorization-code lifetime (default 10 minutes).
    pub fn code_ttl(mut self, ttl: Duration) -> Self {
        self.policy.code_ttl = ttl;
        self
    }

    /// Live refresh tokens per (account, client) before the oldest is
    /// silently evicted (default 100, as Google).
    pub fn refresh_token_limit(mut self, limit: usize) -> Self {
        self.policy.refresh_token_limit = limit;
        self
    }

    /// An app in Testing status: refresh tokens expire 7 days after consent
    /// and token responses carry `refresh_token_expires_in`.
    pub fn testing_mode(mut self, testing: bool) -> Self {
        self.policy.testing_mode = testing;
        self
    }

    /// How long an unused refresh token lives (default 183 days).
    pub fn refresh_idle_expiry(mut self, idle: Duration) -> Self {
        self.policy.refresh_idle_expiry = idle;
        self
    }

    /// Turns on refresh-token rotation (Google never rotates): each refresh
    /// returns a new refresh token, the previous one works for `grace`, and
    /// presenting it later revokes the whole grant.
    pub fn rotate_refresh_tokens(mut self, grace: Duration) -> Self {
        self.policy.rotation = Some(Rotation { grace });
        self
    }

    /// How `POST /revoke` answers an unknown or revoked token (default:
    /// Google's 400; [`RevokeUnknown::Rfc7009Ok`] answers 200).
    pub fn revoke_unknown(mut self, answer: RevokeUnknown) -> Self {
        self.policy.revoke_unknown = answer;
        self
    }

    /// Whether authorization responses carry `iss` (default true).
    pub fn authorization_response_iss(mut self, send: bool) -> Self {
        self.policy.authorization_response_iss = send;
        self
    }

    /// The issuer in id_tokens, discovery and `iss` (default: the
    /// provider's base URI). Endpoint URLs keep the base URI, so an issuer
    /// such as `https://accounts.google.com` leaves discovery usable.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// The base URI clients reach the provider at when it is not the socket
    /// it listens on (a proxy, a container network): every URL in discovery
    /// and the default issuer start with it.
    ///
    /// ```
    /// # async fn example() {
    /// let provider = mock_provider::MockProvider::builder()
    ///     .public_uri("http://mock-google:8080")
    ///     .start()
    ///     .await;
    /// assert_eq!(provider.issuer(), "http://mock-google:8080");
    /// # }
    /// ```
    pub fn public_uri(mut self, uri: impl Into<String>) -> Self {
        self.public_uri = Some(uri.into());
        self
    }

    /// The scopes the device flow may ask for, replacing Google's short
    /// list (sign-in, Drive's per-file scopes, YouTube), e.g. to let a test
    /// run the device flow with Gmail scopes Google would refuse.
    pub fn device_flow_scopes<S: Into<String>>(
        mut self,
        scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        let scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        self.policy.device_flow_scopes = Some(crate::state::scopes::canonical(
            scopes.iter().map(String::as_str),
        ));
        self
    }

    /// What the simulated user does on the consent screen (default: grant).
    pub fn consent(mut self, mode: ConsentMode) -> Self {
        self.consent = mode;
        self
    }

    /// Registers a service account for the jwt-bearer grant by its email
    /// and RSA public key (PEM). The key is parsed here, once.
    ///
    /// ```
    /// # fn example(pem: &[u8]) -> Result<(), mock_provider::InvalidServiceAccountKey> {
    /// let provider = mock_provider::MockProvider::builder()
    ///     .service_account("robot@project.iam.gserviceaccount.com", pem)?
    ///     .build();
    /// # let _ = provider; Ok(()) }
    /// ```
    pub fn service_account(
        mut self,
        email: impl Into<String>,
        public_key_pem: &[u8],
    ) -> Result<Self, InvalidServiceAccountKey> {
        let email = email.into();
        let key = ServiceAccountKey::from_pem(&email, public_key_pem)?;
        self.service_accounts.insert(email, key);
        Ok(self)
    }

    /// Registers a service account by its RSA public key as PKCS#1 DER
    /// (what the standalone config derives from a Google JSON key file).
    pub(crate) fn service_account_der(mut self, email: &str, public_key_der: &[u8]) -> Self {
        let key = ServiceAccountKey::from_pkcs1_der(public_key_der);
        self.service_accounts.insert(email.to_owned(), key);
        self
    }

    /// Builds the provider and serves it on `127.0.0.1` on a free port.
    pub async fn start(self) -> MockProvider {
        self.build().listen().await
    }
}

impl MockProviderBuilder {
    /// Gmail behaviour: mailbox size, history retention, quirks, quota.
    ///
    /// ```
    /// use mock_provider::GmailSettings;
    /// let provider = mock_provider::MockProvider::builder()
    ///     .gmail(GmailSettings { mailbox_size: 3, ..GmailSettings::default() })
    ///     .build();
    /// assert_eq!(provider.mailbox("alice@example.com").len(), 3);
    /// ```
    pub fn gmail(mut self, settings: crate::gmail::GmailSettings) -> Self {
        self.gmail = settings;
        self
    }

    /// Messages generated per account (default 25).
    pub fn mailbox_size(mut self, size: usize) -> Self {
        self.gmail.mailbox_size = size;
        self
    }

    /// Messages generated for one account, overriding [`mailbox_size`](Self::mailbox_size).
    pub fn mailbox_size_for(mut self, account: impl Into<String>, size: usize) -> Self {
        self.gmail.mailbox_sizes.insert(account.into(), size);
        self
    }

    /// Builds the provider and serves it on `127.0.0.1:port` (0 = a free
    /// port). Fails when the port is taken.
    pub async fn start_on_port(self, port: u16) -> std::io::Result<MockProvider> {
        self.build().listen_on(port).await
    }
}

impl MockProviderBuilder {
    /// How many journal entries the provider keeps (default
    /// [`Capacity::DEFAULT_JOURNAL`]); older ones are dropped and counted in
    /// [`Journal::dropped`](crate::Journal::dropped). A test that checks
    /// every request of a run wants [`Capacity::Unbounded`].
    ///
    /// ```
    /// use mock_provider::Capacity;
    /// let provider = mock_provider::MockProvider::builder()
    ///     .journal_capacity(Capacity::Unbounded)
    ///     .build();
    /// assert_eq!(provider.journal().capacity(), Capacity::Unbounded);
    /// ```
    pub fn journal_capacity(mut self, capacity: Capacity) -> Self {
        self.journal_capacity = capacity;
        self
    }

    /// Live access tokens per grant before the oldest stops working
    /// (default 1,000; Google is not known to have such a limit, but a
    /// mock under load needs one to keep its memory bounded).
    pub fn access_tokens_per_grant(mut self, limit: usize) -> Self {
        self.policy.access_tokens_per_grant = limit;
        self
    }

    /// How many issued secrets the [`SecretRegistry`] keeps (default
    /// [`Capacity::DEFAULT_SECRETS`]; configured client secrets are always
    /// kept). A leak checker that must recognise every token of a run
    /// wants [`Capacity::Unbounded`].
    pub fn secret_capacity(mut self, capacity: Capacity) -> Self {
        self.secret_capacity = capacity;
        self
    }

    /// How long a connection may take to send a request head (default
    /// 10 s); a slower one (slowloris) is closed. It is also how long an
    /// idle keep-alive connection stays open. Sockets only.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.header_read = timeout;
        self
    }

    /// How long a request body may take once its head arrived (default
    /// 10 s); a slower one is answered 408 in its endpoint's error shape.
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.body_read = timeout;
        self
    }
}
