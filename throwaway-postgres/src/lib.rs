//! A PostgreSQL to run against, with no container engine (shared/DESIGN.md §8):
//!
//! - `DATABASE_URL` when it is set;
//! - otherwise a throwaway cluster: `initdb` and `pg_ctl` from `PATH` or
//!   `/usr/lib/postgresql/*/bin`, in a temp dir, on a free port of
//!   127.0.0.1, its unix socket in the same dir. PostgreSQL refuses to run as
//!   root, so under root the binaries run as `nobody` (through `runuser`) in
//!   a dir chowned to it. Dropping the [`Postgres`] stops the cluster and
//!   removes the dir; a watchdog shell does the same if the process dies
//!   first (even by `kill -9`).
//!
//! Nothing is downloaded: a machine without PostgreSQL gets a
//! [`PostgresError`] naming what is missing. Test suites skip on it, except
//! under `CI=true` ([`ci_requires_postgres`]), where a skip would hide a
//! missing install step ([`for_tests`], [`shared_url_for_tests`]).
//!
//! ```no_run
//! let postgres = throwaway_postgres::Postgres::from_env_or_start()?;
//! println!("connect to {}", postgres.url());
//! // dropped here: the cluster stops and its dir is removed
//! # Ok::<_, throwaway_postgres::PostgresError>(())
//! ```

mod cluster;
mod errors;
mod tests_policy;

pub use cluster::Postgres;
pub use errors::PostgresError;
pub use tests_policy::{ci_requires_postgres, for_tests, shared_url_for_tests};
