//! Store specs can carry a database password (`postgres://user:pw@host/db`,
//! or libpq's `password=pw`); Debug output shows them with it masked.

/// `spec` with any password masked.
///
/// ```
/// use harness::broker::redact_store_spec;
/// assert_eq!(redact_store_spec("postgres://app:s3cret@db:5432/x"), "postgres://app:***@db:5432/x");
/// assert_eq!(redact_store_spec("host=db password=s3cret user=app"), "host=db password=*** user=app");
/// assert_eq!(redact_store_spec("sqlite:/tmp/t.db"), "sqlite:/tmp/t.db");
/// ```
pub fn redact_store_spec(spec: &str) -> String {
    if let Some((scheme, rest)) = spec.split_once("://") {
        let authority_end = rest.find('/').unwrap_or(rest.len());
        let (authority, path) = rest.split_at(authority_end);
        if let Some((userinfo, host)) = authority.rsplit_once('@') {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            let masked = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_owned()
            };
            return format!("{scheme}://{masked}@{host}{}", mask_query_password(path));
        }
        return format!("{scheme}://{authority}{}", mask_query_password(path));
    }
    spec.split(' ')
        .map(|part| match part.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `?password=…` in a URL's query.
fn mask_query_password(path: &str) -> String {
    let Some((before, query)) = path.split_once('?') else {
        return path.to_owned();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{before}?{}", query.join("&"))
}

#[cfg(test)]
mod tests {
    use super::redact_store_spec;

    #[test]
    fn a_password_in_the_query_is_masked_and_the_rest_kept() {
        assert_eq!(
            redact_store_spec("postgresql://db/x?user=app&password=pw&options=-csearch_path%3Ds"),
            "postgresql://db/x?user=app&password=***&options=-csearch_path%3Ds"
        );
    }

    #[test]
    fn a_user_without_a_password_is_kept() {
        assert_eq!(
            redact_store_spec("postgres://postgres@127.0.0.1:5433/postgres"),
            "postgres://postgres@127.0.0.1:5433/postgres"
        );
    }
}
