//! `mutant:logs-token-hex`: dumps each new access token's bytes in hex, as
//! a wire-level debug logger does (`no_token_leak`'s hex form).

use crate::broker::BrokerEnv;

/// The line it logs.
pub(super) fn line(_env: &BrokerEnv, token: &str) -> String {
    format!(
        "token response field access_token, bytes {}",
        hex::encode(token)
    )
}
