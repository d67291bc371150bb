use super::errors::AdminError;
use crate::limits as ranges;
use crate::{ConsentMode, GrantId, MockProvider};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

/// A lifecycle event, as `POST /__admin/lifecycle` takes it:
/// `{"op": "revoke_account", "account": "alice@example.com"}` (parsed
/// with `parse_tagged`, so errors name the exact field).
///
/// Each op is one variant here and one arm in [`apply`](Self::apply),
/// calling the same `MockProvider` method a Rust test would. An account or
/// grant the provider does not know is a 404, as for every admin route.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
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
    /// The account the op names, if any.
    fn account(&self) -> Option<&str> {
        match self {
            Self::RevokeAccount { account }
            | Self::ExpireHistory { account }
            | Self::ChangePassword { account }
            | Self::InvalidateAccessTokens { account }
            | Self::RequireReauthentication { account } => Some(account),
            Self::RevokeGrant { .. } | Self::SetConsent { .. } => None,
        }
    }

    pub fn apply(self, provider: &MockProvider) -> Result<Value, AdminError> {
        if let Some(account) = self.account() {
            super::account_check::known_account(provider, account)?;
        }
        Ok(match self {
            Self::RevokeAccount { account } => {
                json!({"revoked": provider.revoke_account(&account)})
            }
            Self::ExpireHistory { account } => {
                json!({"expired": provider.expire_history(&account)})
            }
            Self::RevokeGrant { grant_id } => {
                let grant_id = GrantId(grant_id);
                if !provider.grants().iter().any(|g| g.id == grant_id) {
                    return Err(AdminError::NotFound {
                        what: "grant",
                        id: grant_id.0,
                    });
                }
                json!({"revoked": provider.revoke_grant(&grant_id)})
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
        })
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

impl ClockOp {
    /// Sets or jumps the clock, keeping the offset within
    /// [`MAX_CLOCK_MS`](ranges::MAX_CLOCK_MS) either way.
    pub fn apply(self, provider: &MockProvider) -> Result<(), AdminError> {
        let max = ranges::MAX_CLOCK_MS;
        match self {
            Self::OffsetMs(ms) => {
                ranges::within_plus_minus("offset_ms", ms, max)?;
                provider.set_clock_offset_ms(ms);
            }
            Self::JumpMs(ms) => {
                ranges::within("jump_ms", ms, 0, max)?;
                let after = i128::from(provider.clock_offset_ms()) + i128::from(ms);
                if after.unsigned_abs() > u128::from(max) {
                    return Err(AdminError::invalid_value(
                        "jump_ms",
                        format!("would move the offset to {after} ms, past ±{max}"),
                    ));
                }
                provider.jump_clock(Duration::from_millis(ms));
            }
        }
        Ok(())
    }
}
