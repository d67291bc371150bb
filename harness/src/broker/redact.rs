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
    match url::Url::parse(spec) {
        Ok(mut parsed) if parsed.has_host() => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            if parsed.query_pairs().any(|(key, _)| is_password(&key)) {
                let pairs: Vec<(String, String)> = parsed
                    .query_pairs()
                    .map(|(key, value)| {
                        let value = if is_password(&key) {
                            "***".into()
                        } else {
                            value
                        };
                        (key.into_owned(), value.into_owned())
                    })
                    .collect();
                parsed.query_pairs_mut().clear().extend_pairs(pairs);
            }
            parsed.to_string()
        }
        // libpq's keyword form (`host=db password=pw`), or no URL at all.
        _ => spec
            .split(' ')
            .map(|part| match part.split_once('=') {
                Some((key, _)) if is_password(key) => format!("{key}=***"),
                _ => part.to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn is_password(key: &str) -> bool {
    key.eq_ignore_ascii_case("password")
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
