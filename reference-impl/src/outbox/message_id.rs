//! The `Message-ID` an outbox stamps on a message: `<entry-id@domain>`,
//! where the domain is the operator's ([`MessageIdDomain`]) or, by default,
//! the sending account's own.

use std::fmt;

/// The right-hand side of the `Message-ID`s an outbox writes: an RFC 5322
/// `dot-atom-text` (letters, digits and ``!#$%&'*+-/=?^_`{|}~``, in
/// non-empty atoms joined by single dots).
///
/// ```
/// use reference_impl::MessageIdDomain;
/// assert!(MessageIdDomain::new("mail.example.com").is_ok());
/// let bad = MessageIdDomain::new("example.com>").unwrap_err();
/// assert!(bad.to_string().contains("example.com>"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageIdDomain(String);

/// A [`MessageIdDomain`] that is not a `dot-atom-text`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{domain}` cannot follow the `@` of a Message-ID: use letters, digits and dots (RFC 5322 dot-atom-text)"
)]
pub struct InvalidMessageIdDomain {
    /// What was given.
    pub domain: String,
}

impl MessageIdDomain {
    /// Checks `domain`.
    ///
    /// # Errors
    ///
    /// [`InvalidMessageIdDomain`] when it is not a `dot-atom-text`.
    pub fn new(domain: impl Into<String>) -> Result<Self, InvalidMessageIdDomain> {
        let domain = domain.into();
        if is_dot_atom(&domain) {
            Ok(Self(domain))
        } else {
            Err(InvalidMessageIdDomain { domain })
        }
    }

    /// The domain.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MessageIdDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_dot_atom(text: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";
    text.split('.').all(|atom| {
        !atom.is_empty()
            && atom
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
    })
}

/// `<entry_id@domain>`: the configured domain, else the part of `account`
/// after its last `@` when that is a `dot-atom-text`, else `localhost`.
pub(crate) fn message_id(
    entry_id: &str,
    domain: Option<&MessageIdDomain>,
    account: &str,
) -> String {
    let domain = match domain {
        Some(domain) => domain.as_str(),
        None => account
            .rsplit_once('@')
            .map(|(_, domain)| domain)
            .filter(|domain| is_dot_atom(domain))
            .unwrap_or("localhost"),
    };
    format!("<{entry_id}@{domain}>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_domain_is_the_senders_own() {
        assert_eq!(
            message_id("ab", None, "alice@example.com"),
            "<ab@example.com>"
        );
        assert_eq!(message_id("ab", None, "alice"), "<ab@localhost>");
        assert_eq!(message_id("ab", None, "a@b c"), "<ab@localhost>");
        let configured = MessageIdDomain::new("mail.example.org").unwrap();
        assert_eq!(
            message_id("ab", Some(&configured), "alice@example.com"),
            "<ab@mail.example.org>"
        );
    }

    #[test]
    fn a_domain_outside_dot_atom_text_is_refused() {
        for bad in ["", "a..b", ".a", "a.", "a b", "a>b", "a@b", "é.example"] {
            assert!(MessageIdDomain::new(bad).is_err(), "{bad:?}");
        }
    }
}
