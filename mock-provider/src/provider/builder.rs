use super::MockProvider;
use super::{ClockOffset, OffsetClock};
use crate::clock::{Clock, SystemClock};
use crate::gmail::GmailStore;
use crate::state::{Account, Client, ProviderState, SecretKind, TokenPolicy};
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The default client id, shaped like a Google web client id.
pub const DEFAULT_CLIENT_ID: &str = "1234567890-oauthchaos.apps.googleusercontent.com";
/// The default account, seeded when no account is configured.
pub const DEFAULT_ACCOUNT: &str = "alice@example.com";
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
    gmail: crate::gmail::GmailSettings,
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
            gmail: crate::gmail::GmailSettings::default(),
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
        let clock_offset = ClockOffset::default();
        let clock: Arc<dyn Clock> =
            Arc::new(OffsetClock::new(self.clock.clone(), clock_offset.clone()));
        let state = ProviderState::new(clock.clone(), self.seed, self.policy.clone());
        let now = clock.now();
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
                },
            );
            let accounts = if self.accounts.is_empty() {
                vec![DEFAULT_ACCOUNT.to_owned()]
            } else {
                self.accounts.clone()
            };
            for (n, email) in accounts.iter().enumerate() {
                model.accounts.insert(
                    email.clone(),
                    Account {
                        subject: format!("1{:020}", n + 1),
                    },
                );
                let (_, token) = model.create_grant(
                    email,
                    &self.client_id,
                    self.scopes.clone(),
                    &state.secrets,
                    now,
                );
                refresh_tokens.insert(email.clone(), SecretString::from(token));
            }
        }
        let accounts: Vec<String> = state.model().accounts.keys().cloned().collect();
        let gmail = GmailStore::generate(self.gmail.clone(), self.seed, &accounts, now);
        let mut provider = MockProvider::new(state, self.client_id, refresh_tokens);
        provider.install(gmail, clock_offset, self.seed);
        provider
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
