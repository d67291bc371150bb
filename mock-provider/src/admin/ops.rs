use crate::{ConsentMode, GrantId, MockProvider};
use serde::Deserialize;
use serde_json::{Value, json};

/// A lifecycle event, as `POST /__admin/lifecycle` takes it:
/// `{"op": "revoke_account", "account": "alice@example.com"}`.
///
/// Each op is one variant here and one arm in [`apply`](Self::apply),
/// calling the same `MockProvider` method a Rust test would.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum LifecycleOp {
    /// The user revokes every grant of the account.
    RevokeAccount { account: String },
    /// All Gmail history of the account expires (next history call: 404).
    ExpireHistory { account: String },
    /// The user removes one grant (`grant_id` as in the journal, e.g. `g1`).
    RevokeGrant { grant_id: String },
    /// The user changes their password: Gmail-scoped grants die.
    ChangePassword { account: String },
    /// Every access token of the account stops working now.
    InvalidateAccessTokens { account: String },
    /// Session control: refreshes answer `invalid_grant` / `invalid_rapt`.
    RequireReauthentication { account: String },
    /// What the simulated user does on the consent screen from now on.
    SetConsent { consent: ConsentChoice },
}

/// `SetConsent`'s choice.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ConsentChoice {
    /// Consent at once.
    Grant,
    /// Click "Cancel" (`error=access_denied`).
    Deny,
}

impl LifecycleOp {
    pub fn apply(self, provider: &MockProvider) -> Value {
        match self {
            Self::RevokeAccount { account } => {
                json!({"revoked": provider.revoke_account(&account)})
            }
            Self::ExpireHistory { account } => {
                json!({"expired": provider.expire_history(&account)})
            }
            Self::RevokeGrant { grant_id } => {
                json!({"revoked": provider.revoke_grant(&GrantId(grant_id))})
            }
            Self::ChangePassword { account } => {
                json!({"revoked": provider.change_password(&account)})
            }
            Self::InvalidateAccessTokens { account } => {
                json!({"invalidated": provider.invalidate_access_tokens(&account)})
            }
            Self::RequireReauthentication { account } => {
                json!({"affected": provider.require_reauthentication(&account)})
            }
            Self::SetConsent { consent } => {
                let mode = match consent {
                    ConsentChoice::Grant => ConsentMode::Grant,
                    ConsentChoice::Deny => ConsentMode::Deny,
                };
                provider.set_consent(mode);
                json!({"consent": format!("{mode:?}").to_lowercase()})
            }
        }
    }
}

/// `POST /__admin/clock`: set the offset or jump forward.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum ClockOp {
    /// Offset from the configured clock, milliseconds (negative = behind).
    OffsetMs(i64),
    /// Jump forward by this many milliseconds.
    JumpMs(u64),
}
