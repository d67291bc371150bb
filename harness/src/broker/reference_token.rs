//! What a reference broker's `access_token` answer becomes for the harness:
//! one translation that the token binding (`reference.rs`) and the
//! gateway's scoped tokens (`reference_gateway.rs`) share, in a file of its
//! own so neither of the two reaches into the other.

use super::{BrokerFailure, FailureKind};
use reference_impl::{AccessToken, BrokerError, ErrorKind};
use secrecy::SecretString;

/// The token, or the failure kind the checkers count and its message.
pub(super) fn token_answer(
    answer: Result<AccessToken, BrokerError>,
) -> Result<SecretString, BrokerFailure> {
    match answer {
        Ok(token) => Ok(SecretString::from(token.expose_secret().to_owned())),
        Err(error) => Err(BrokerFailure {
            kind: match error.kind() {
                ErrorKind::Revoked => FailureKind::Revoked,
                ErrorKind::Transient => FailureKind::Transient,
                ErrorKind::Storage => FailureKind::Storage,
                _ => FailureKind::Other,
            },
            message: error.to_string(),
        }),
    }
}
