//! Service accounts: access tokens bought with a signed assertion (the jwt-bearer
//! grant) instead of a refresh token.
//!
//! `key.rs` reads Google's JSON key file into a [`ServiceAccountKey`] (the private key
//! stays in redacting types) and pairs it with a subject and scopes in a
//! [`ServiceAccountGrant`]; `assertion.rs` signs the RS256 assertion. The broker treats
//! such an account like any other: the key is stored sealed in the [`TokenStore`](crate::TokenStore)
//! where a refresh token would be, and the token is cached and re-acquired before
//! expiry by the same single-flight refresh (see
//! [`TokenBroker::add_service_account`](crate::TokenBroker::add_service_account)).

mod assertion;
mod key;

pub(crate) use self::assertion::sign_assertion;
pub use self::key::{ServiceAccountGrant, ServiceAccountKey, ServiceAccountKeyError};
