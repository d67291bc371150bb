//! Secret-bearing newtypes whose `Debug` and `Display` never show the value.
//!
//! Tokens and client secrets only leave these types through `expose_secret()`, which
//! makes every place that handles the raw value easy to find in review.

use std::fmt;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

macro_rules! secret_newtype {
    ($(#[$meta:meta])* $name:ident, $label:literal) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name(Arc<SecretString>);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(Arc::new(SecretString::from(value.into())))
            }

            /// The raw secret. Never log it, put it in an error, or put it in a URL.
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!($label, "([redacted])"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::new(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::new(value)
            }
        }
    };
}

secret_newtype!(
    /// A bearer access token (`ya29.…` at Google).
    ///
    /// Cloning is a reference-count bump (the value sits behind an `Arc`), because the
    /// cached hot path hands out a clone on every call.
    ///
    /// ```
    /// use reference_impl::AccessToken;
    ///
    /// let token = AccessToken::new("ya29.secret");
    /// assert_eq!(format!("{token:?} {token}"), "AccessToken([redacted]) [redacted]");
    /// assert_eq!(token.expose_secret(), "ya29.secret");
    /// ```
    AccessToken,
    "AccessToken"
);

secret_newtype!(
    /// A long-lived refresh token (`1//…` at Google).
    ///
    /// ```
    /// use reference_impl::RefreshToken;
    ///
    /// assert_eq!(format!("{:?}", RefreshToken::new("1//x")), "RefreshToken([redacted])");
    /// ```
    RefreshToken,
    "RefreshToken"
);

secret_newtype!(
    /// The OAuth client secret.
    ///
    /// ```
    /// use reference_impl::ClientSecret;
    ///
    /// assert_eq!(ClientSecret::new("s3cret").to_string(), "[redacted]");
    /// ```
    ClientSecret,
    "ClientSecret"
);
