//! Verified Google sign-in (OpenID Connect), for a web gateway.
//!
//! [`GoogleSignIn`] (`flow.rs`) binds each sign-in's `state`, `nonce` and PKCE
//! verifier to the browser session, accepts a callback once, exchanges the code
//! (`exchange.rs`, `oauth2` over our transport) and verifies the id_token
//! (`verify.rs`: RS256 only, the signature against the JWKS, `iss` in both of
//! Google's forms, `aud`, `azp`, `exp`/`iat` within a bounded leeway, the nonce and
//! `email_verified`). `jwks.rs` caches the keys as `Cache-Control` allows and
//! re-fetches once on an unknown `kid`, at most once per interval. `config.rs` is
//! the configuration, `error.rs` the failures. No token or code is ever logged or
//! put in a URL by this module.

mod config;
mod error;
mod exchange;
mod flow;
mod jwks;
mod verify;

pub use self::config::SignInConfig;
pub use self::error::{IdTokenRejection, SignInError};
pub use self::flow::{GoogleSignIn, SignInConfigError};
pub use self::verify::VerifiedIdentity;
