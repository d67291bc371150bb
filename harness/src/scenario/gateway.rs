//! Settings for the auth gateway (verified sign-in) and the auth worker
//! (service accounts, a token relay for consumer workers).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What a `sign_in` step hands the broker: a genuine sign-in, or one an attacker
/// shaped. Every kind but `genuine` must be refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignInKind {
    /// A user signs in: the broker must accept the mock's id_token.
    Genuine,
    /// The callback of a completed sign-in handed over again.
    ReplayedState,
    /// A callback whose `state` was issued to another browser session.
    OtherSession,
    /// A callback with a `state` the broker never issued.
    ForgedState,
    /// An id_token signed by a key the JWKS does not publish, under a published `kid`.
    BadSignature,
    /// An id_token whose `kid` the JWKS does not have.
    UnknownKid,
    /// An id_token with `alg: none` and no signature.
    AlgNone,
    /// An id_token signed with HS256 keyed by the public modulus (algorithm confusion).
    Hs256,
    /// An id_token that expired an hour ago.
    Expired,
    /// An id_token issued ten minutes in the future.
    IssuedInFuture,
    /// An id_token for another client (`aud`).
    WrongAudience,
    /// An id_token whose `azp` is another client.
    WrongAuthorizedParty,
    /// An id_token from another issuer.
    WrongIssuer,
    /// A genuine-looking id_token carrying an earlier sign-in's nonce.
    ReplayedNonce,
    /// An id_token whose email is not verified.
    UnverifiedEmail,
}

impl SignInKind {
    /// Whether a correct broker accepts it.
    pub fn is_genuine(self) -> bool {
        self == Self::Genuine
    }

    /// Whether the attack is an id_token answered by the token endpoint.
    pub fn forges_id_token(self) -> bool {
        !matches!(
            self,
            Self::Genuine | Self::ReplayedState | Self::OtherSession | Self::ForgedState
        )
    }
}

/// A service account the mock knows and the broker holds a key for.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountSetting {
    /// The broker's account name for it.
    pub account: String,
    /// Its email at the provider (default `<account>@oauth-chaos.iam.gserviceaccount.com`).
    #[serde(default)]
    pub email: Option<String>,
    /// Domain-wide delegation: the user it acts as.
    #[serde(default)]
    pub subject: Option<String>,
    /// The scopes its assertions ask for.
    pub scopes: Vec<String>,
}

impl ServiceAccountSetting {
    /// The email the mock registers and the key file names.
    pub fn email(&self) -> String {
        self.email
            .clone()
            .unwrap_or_else(|| format!("{}@oauth-chaos.iam.gserviceaccount.com", self.account))
    }

    /// Who its tokens act as at the provider: the delegated subject, or
    /// the service account itself.
    pub fn acts_as(&self) -> String {
        self.subject.clone().unwrap_or_else(|| self.email())
    }
}

/// A relay role: an account and the scopes its consumers get.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RelayRoleSetting {
    /// The role's name.
    pub name: String,
    /// The account (a user in `provider.accounts` or a service account).
    pub account: String,
    /// The scopes consumers of the role get.
    pub scopes: Vec<String>,
}

/// A relay consumer: a worker with its own credential (the harness makes one).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RelayConsumerSetting {
    /// The consumer's id.
    pub id: String,
    /// Its role.
    pub role: String,
}

/// The `[relay]` table: a token relay in front of instance 0's accounts.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RelaySettings {
    /// The roles.
    pub roles: Vec<RelayRoleSetting>,
    /// The consumers.
    pub consumers: Vec<RelayConsumerSetting>,
    /// Alert after this many consecutive acquisition failures (default 3).
    #[serde(default)]
    pub alert_after: Option<u32>,
}

/// Parameters of `id_token_verified` (none yet; write `id_token_verified = {}`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdTokenVerifiedParams {}

/// Parameters of `no_credential_to_consumer` (none yet; write
/// `no_credential_to_consumer = {}`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoCredentialToConsumerParams {}

/// Parameters of `relay_consumers_available`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RelayAvailabilityParams {
    /// A consumer's call must end (token or error) within this.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub answer_within: Duration,
    /// While the relay is down, each consumer may contact it at most this many
    /// times per outage (more is a retry loop).
    pub max_calls_per_outage: u32,
    /// After the relay is back, consumers get tokens again within this.
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub recover_within: Duration,
}

impl Default for RelayAvailabilityParams {
    fn default() -> Self {
        Self {
            answer_within: Duration::from_secs(5),
            max_calls_per_outage: 8,
            recover_within: Duration::from_secs(120),
        }
    }
}
