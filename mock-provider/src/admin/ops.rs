use crate::MockProvider;
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
