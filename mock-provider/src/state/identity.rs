//! Who an account is, as Google tells a client: the claims of an id_token
//! and of the userinfo endpoint, chosen by the granted scopes (`openid`:
//! `sub`; the email scope: `email`, `email_verified`; the profile scope:
//! `name`, `given_name`, `family_name`, `picture`).

use super::Account;
use super::scopes::{USERINFO_EMAIL, USERINFO_PROFILE};
use serde_json::{Map, Value, json};

/// The picture Google shows for an account without one of its own.
const DEFAULT_PICTURE: &str = "https://lh3.googleusercontent.com/a/default-user=s96-c";

impl Account {
    /// An account for `email`, `n`th configured: a 21-digit subject and a
    /// name read from the address (`alice.smith@…` is Alice Smith, `bob@example.com`
    /// Bob Example).
    pub(crate) fn for_email(email: &str, n: usize) -> Self {
        let (local, domain) = email.split_once('@').unwrap_or((email, ""));
        let mut words = local
            .split(['.', '_', '-', '+'])
            .filter(|w| !w.is_empty())
            .map(capitalized);
        let given_name = words.next().unwrap_or_else(|| capitalized(local));
        let family_name = words
            .next()
            .unwrap_or_else(|| capitalized(domain.split('.').next().unwrap_or_default()));
        Self {
            subject: format!("1{:020}", n + 1),
            given_name,
            family_name,
        }
    }

    /// The claims the `scope` (space-separated) allows, for `email`.
    pub(crate) fn claims(&self, email: &str, scope: &str) -> Map<String, Value> {
        let granted = |wanted: &str| scope.split(' ').any(|s| s == wanted);
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(self.subject));
        if granted(USERINFO_EMAIL) {
            claims.insert("email".into(), json!(email));
            claims.insert("email_verified".into(), json!(true));
        }
        if granted(USERINFO_PROFILE) {
            let name = format!("{} {}", self.given_name, self.family_name);
            claims.insert("name".into(), json!(name.trim()));
            claims.insert("picture".into(), json!(DEFAULT_PICTURE));
            claims.insert("given_name".into(), json!(self.given_name));
            claims.insert("family_name".into(), json!(self.family_name));
        }
        claims
    }
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_address() {
        let alice = Account::for_email("alice.smith@example.com", 0);
        assert_eq!(
            (alice.given_name.as_str(), alice.family_name.as_str()),
            ("Alice", "Smith")
        );
        let bob = Account::for_email("bob@example.com", 1);
        assert_eq!(bob.family_name, "Example");
        assert_eq!(bob.subject, "100000000000000000002");
    }

    #[test]
    fn claims_follow_the_scopes() {
        let alice = Account::for_email("alice@example.com", 0);
        let only_openid = alice.claims("alice@example.com", "openid");
        assert_eq!(only_openid.keys().collect::<Vec<_>>(), ["sub"]);
        let all = alice.claims(
            "alice@example.com",
            &format!("openid {USERINFO_EMAIL} {USERINFO_PROFILE}"),
        );
        assert_eq!(all["email"], "alice@example.com");
        assert_eq!(all["name"], "Alice Example");
    }
}
