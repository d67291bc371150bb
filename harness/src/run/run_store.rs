//! A durable token store shared by every instance of one real-mode run,
//! as a fleet of processes shares a database.
//!
//! - `store = "postgres"`: a fresh schema (`oauth_chaos_run_<hex>`) in
//!   `DATABASE_URL`, else in a throwaway cluster started for the run
//!   (crate `throwaway-postgres`); the URL carries the schema as its
//!   `search_path`, so runs never see each other's grants.
//! - `store = "sqlite"`: a database file in a temp dir of the run.
//! - `store = "file"`: a temp dir of the run (`file:DIR`), for brokers
//!   that keep one file per account.
//! - `store = "bucket"`: an S3-compatible server on 127.0.0.1 over a temp
//!   dir (`throwaway-bucket`), spec `bucket:s3://oauth-chaos/run?endpoint=…`,
//!   its credentials registered as the run's [`RunBucket`] (processes get
//!   them as `AWS_*` variables) with its fault layer for `bucket_fault`
//!   steps; every file under the server's directory is read at rest.
//!
//! A run whose `postgres` store has store faults gets a throwaway cluster
//! of its own, whatever `DATABASE_URL` says: its faults stop the cluster
//! or make it read-only (`broker/postgres_faults.rs`).
//!
//! Each provisioned store is also registered as the run's
//! [`StoreAtRest`], which the run reads raw after every restart and at the
//! end for the leak checker.
//!
//! Every instance gets the resulting store spec as its store kind (process
//! brokers: `store.kind` in `initialize`) and the same generated keyring
//! (processes: `OAUTH_CHAOS_STORE_KEYS`), so instances read each other's
//! sealed records. Everything is removed after the run.

use super::store_at_rest::StoreAtRest;
use crate::broker::{
    PostgresFaults, RUN_BUCKET, RUN_STORE_KEYS, RunBucket, RunShared, RunStoreKeys,
};
use crate::scenario::{Mode, Scenario};
use rand::RngCore;
use std::sync::Arc;
use throwaway_postgres::Postgres;

/// The store kinds the harness provisions itself.
pub(super) fn provisioned_kind(store: &str) -> bool {
    matches!(store, "postgres" | "sqlite" | "file" | "bucket")
}

/// The run's store when the scenario asks for one the harness provisions
/// (on wall time only); `Err` says what the machine lacks.
///
/// A fleet of processes cannot share memory: `shared-memory` (one store
/// for the whole fleet, in process) becomes a `file:` directory all of
/// them open, the "two workers, one token file" set-up of production.
pub(super) async fn provision_for(
    scenario: &Scenario,
    mode: Mode,
    processes: bool,
    seed: u64,
    shared: &RunShared,
) -> Result<Option<RunStore>, String> {
    let faulted = processes && has_store_faults(scenario);
    let store = match scenario.broker.store.as_str() {
        "shared-memory" if processes => "file",
        // A process's memory cannot be made to fail: a scenario that
        // faults the store gets a directory of its own, which can
        // (`broker/process/store_faults.rs`). One instance only: a fleet
        // of memory stores would become one shared store.
        "memory" if faulted && scenario.broker.instances == 1 => "file",
        // A process killed mid-sync keeps its mailbox only in a database.
        "memory" if processes && crashes_syncs(scenario) && scenario.broker.instances == 1 => {
            "sqlite"
        }
        store => store,
    };
    if mode != Mode::Real || !provisioned_kind(store) {
        return Ok(None);
    }
    // Faults on PostgreSQL act on the whole cluster, so such a run gets
    // one of its own (`broker/postgres_faults.rs`), for any broker.
    let own_cluster = store == "postgres" && has_store_faults(scenario);
    let provisioned = provision(store, own_cluster, seed, shared).await?;
    if faulted {
        for instance in 0..scenario.broker.instances {
            crate::broker::ProcessStoreFaults::register(shared, instance, &provisioned.spec);
        }
    }
    Ok(Some(provisioned))
}

/// Whether a timeline step kills a sync (`crash_sync`).
fn crashes_syncs(scenario: &Scenario) -> bool {
    scenario
        .timeline
        .iter()
        .any(|step| matches!(step.get_ref().action, crate::scenario::Action::CrashSync(_)))
}

/// Whether a timeline step makes the token store fail.
fn has_store_faults(scenario: &Scenario) -> bool {
    use crate::scenario::Action;
    scenario.timeline.iter().any(|step| {
        matches!(
            step.get_ref().action,
            Action::StoreOutage(_)
                | Action::StoreReadOnly(_)
                | Action::StoreFailAfter(_)
                | Action::CrashAtStoreWrite(_)
        )
    })
}

/// A store provisioned for one run; [`cleanup`](Self::cleanup) removes it.
/// `Debug` leaves out the spec (a `DATABASE_URL` may carry a password).
pub(super) struct RunStore {
    /// The store spec instances get (`postgresql://…`, `sqlite:PATH`).
    pub spec: String,
    /// For a schema in someone else's database: (server URL, schema).
    schema_to_drop: Option<(String, String)>,
    _postgres: Option<Arc<Postgres>>,
    _dir: Option<tempfile::TempDir>,
    _bucket: Option<throwaway_bucket::S3Server>,
}

/// Provisions `store` for a run and registers the run's keyring in
/// `shared`. `Err` says what is missing (for a `not_applicable` note).
async fn provision(
    store: &str,
    own_cluster: bool,
    seed_hint: u64,
    shared: &RunShared,
) -> Result<RunStore, String> {
    let (provisioned, at_rest) = match store {
        "postgres" => postgres_schema(own_cluster, seed_hint, shared).await?,
        "bucket" => s3_bucket(shared).await?,
        _ => {
            let dir = tempfile::Builder::new()
                .prefix("oauth-chaos-run-")
                .tempdir()
                .map_err(|error| format!("cannot create a temp dir for the store: {error}"))?;
            let spec = if store == "file" {
                format!("file:{}", dir.path().display())
            } else {
                format!("sqlite:{}", dir.path().join("tokens.db").display())
            };
            let at_rest = StoreAtRest::Dir(dir.path().to_path_buf());
            let run_store = RunStore {
                spec,
                schema_to_drop: None,
                _postgres: None,
                _dir: Some(dir),
                _bucket: None,
            };
            (run_store, at_rest)
        }
    };
    at_rest.register(shared);
    shared.get_or_create(RUN_STORE_KEYS, RunStoreKeys::generate);
    Ok(provisioned)
}

async fn s3_bucket(shared: &RunShared) -> Result<(RunStore, StoreAtRest), String> {
    let server = throwaway_bucket::S3Server::start()
        .await
        .map_err(|error| format!("cannot start the S3 test server: {error}"))?;
    shared.get_or_create(RUN_BUCKET, || RunBucket {
        faults: server.faults().clone(),
        objects: None,
        env: server.env(),
        spec: Some(server.store_spec("run")),
        write_log: Some(server.write_log().clone()),
        server_clock: Some(server.clock().clone()),
    });
    let at_rest = StoreAtRest::Dir(server.root().to_path_buf());
    let run_store = RunStore {
        spec: server.store_spec("run"),
        schema_to_drop: None,
        _postgres: None,
        _dir: None,
        _bucket: Some(server),
    };
    Ok((run_store, at_rest))
}

/// A fresh schema on `DATABASE_URL` or a throwaway cluster; with
/// `own_cluster`, always on a throwaway cluster, registered in `shared` as
/// the run's [`PostgresFaults`].
async fn postgres_schema(
    own_cluster: bool,
    seed_hint: u64,
    shared: &RunShared,
) -> Result<(RunStore, StoreAtRest), String> {
    let start = if own_cluster {
        Postgres::start
    } else {
        Postgres::from_env_or_start
    };
    let postgres = tokio::task::spawn_blocking(start)
        .await
        .map_err(|error| format!("the PostgreSQL start-up task failed: {error}"))?
        .map_err(|error| error.to_string())?;
    let postgres = Arc::new(postgres);
    if own_cluster {
        PostgresFaults::register(shared, postgres.clone());
    }
    let server = postgres.url().to_owned();
    let schema = format!(
        "oauth_chaos_run_{:016x}",
        seed_hint ^ rand::rng().next_u64()
    );
    let (client, connection) = tokio_postgres::connect(&server, tokio_postgres::NoTls)
        .await
        .map_err(|error| format!("cannot connect to PostgreSQL: {error}"))?;
    let connection = tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .map_err(|error| format!("cannot create schema `{schema}`: {error}"))?;
    drop(client);
    let _ = connection.await;
    let spec = with_search_path(&server, &schema);
    let at_rest = StoreAtRest::Postgres {
        server: server.clone(),
        schema: schema.clone(),
    };
    let schema_to_drop = (!postgres.is_throwaway()).then_some((server, schema));
    let run_store = RunStore {
        spec,
        schema_to_drop,
        _postgres: Some(postgres),
        _dir: None,
        _bucket: None,
    };
    Ok((run_store, at_rest))
}

/// `url` whose sessions use `schema` first.
fn with_search_path(url: &str, schema: &str) -> String {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let joiner = if url.contains('?') { '&' } else { '?' };
        format!("{url}{joiner}options=-csearch_path%3D{schema}")
    } else {
        format!("{url} options='-csearch_path={schema}'")
    }
}

impl std::fmt::Debug for RunStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunStore")
            .field(
                "schema",
                &self.schema_to_drop.as_ref().map(|(_, schema)| schema),
            )
            .field("postgres", &self._postgres)
            .finish_non_exhaustive()
    }
}

impl RunStore {
    /// Drops the run's schema from a database the harness does not own (a
    /// throwaway cluster and a temp dir go away on drop).
    pub async fn cleanup(self) {
        if let Some((server, schema)) = &self.schema_to_drop
            && let Ok((client, connection)) =
                tokio_postgres::connect(server, tokio_postgres::NoTls).await
        {
            let connection = tokio::spawn(connection);
            if let Err(error) = client
                .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
                .await
            {
                tracing::warn!(%error, "could not drop the run's schema");
            }
            drop(client);
            let _ = connection.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_search_path;

    #[test]
    fn the_schema_rides_in_the_url_as_a_search_path() {
        assert_eq!(
            with_search_path("postgresql://postgres@127.0.0.1:5/postgres", "s1"),
            "postgresql://postgres@127.0.0.1:5/postgres?options=-csearch_path%3Ds1"
        );
        assert_eq!(
            with_search_path("postgres://u@h/db?sslmode=disable", "s1"),
            "postgres://u@h/db?sslmode=disable&options=-csearch_path%3Ds1"
        );
        assert_eq!(
            with_search_path("host=h dbname=d", "s1"),
            "host=h dbname=d options='-csearch_path=s1'"
        );
    }
}
