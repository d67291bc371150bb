//! Scope names as Google grants them: `email` and `profile` are aliases of
//! the userinfo scopes, and either one brings `openid` (and so an
//! id_token) with it. oauthlib's "Scope has changed" warning is about
//! exactly this rewrite.

/// What `email` stands for.
pub(crate) const USERINFO_EMAIL: &str = "https://www.googleapis.com/auth/userinfo.email";
/// What `profile` stands for.
pub(crate) const USERINFO_PROFILE: &str = "https://www.googleapis.com/auth/userinfo.profile";

/// The scopes Google records for a request: aliases expanded, `openid`
/// first when an identity scope asked for it, duplicates dropped, order
/// otherwise kept.
pub(crate) fn canonical<'a>(requested: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    let mut identity = false;
    for scope in requested {
        let name = match scope {
            "email" => USERINFO_EMAIL,
            "profile" => USERINFO_PROFILE,
            other => other,
        };
        identity |= name == USERINFO_EMAIL || name == USERINFO_PROFILE;
        if !scopes.iter().any(|s| s == name) {
            scopes.push(name.to_owned());
        }
    }
    if identity && !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".to_owned());
    }
    scopes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_and_profile_expand_and_bring_openid() {
        assert_eq!(
            canonical(["email", "profile"]),
            ["openid", USERINFO_EMAIL, USERINFO_PROFILE]
        );
    }

    #[test]
    fn other_scopes_pass_unchanged() {
        let gmail = "https://www.googleapis.com/auth/gmail.readonly";
        assert_eq!(canonical([gmail, gmail]), [gmail]);
        assert_eq!(canonical(["openid", "email"]), ["openid", USERINFO_EMAIL]);
    }
}
