//! How test suites use a missing PostgreSQL: skip, except under `CI=true`.

use crate::{Postgres, PostgresError};
use std::sync::OnceLock;

/// True under `CI=true`: a missing PostgreSQL must fail, not skip.
pub fn ci_requires_postgres() -> bool {
    std::env::var("CI").is_ok_and(|ci| ci == "true")
}

fn skip_or_panic(error: &PostgresError) {
    assert!(
        !ci_requires_postgres(),
        "CI=true and PostgreSQL is unavailable: {error}"
    );
    eprintln!("skipping PostgreSQL test: {error}");
}

/// A PostgreSQL of the caller's own (`DATABASE_URL`, else a fresh throwaway
/// cluster, stopped when the value is dropped), or `None` (reason printed)
/// when the test must skip.
///
/// # Panics
///
/// Under `CI=true` when PostgreSQL is unavailable.
pub fn for_tests() -> Option<Postgres> {
    Postgres::from_env_or_start()
        .inspect_err(skip_or_panic)
        .ok()
}

/// One PostgreSQL for the whole test process (`DATABASE_URL`, else one
/// throwaway cluster started on first use and removed by its watchdog when
/// the process exits); `None` (reason printed) when the test must skip.
/// Tests sharing it should each use their own schema or keys.
///
/// # Panics
///
/// Under `CI=true` when PostgreSQL is unavailable.
pub fn shared_url_for_tests() -> Option<String> {
    static SHARED: OnceLock<Result<Postgres, PostgresError>> = OnceLock::new();
    match SHARED.get_or_init(Postgres::from_env_or_start) {
        Ok(postgres) => Some(postgres.url().to_owned()),
        Err(error) => {
            skip_or_panic(error);
            None
        }
    }
}
