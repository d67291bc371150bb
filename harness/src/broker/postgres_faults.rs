//! Store faults on the PostgreSQL cluster a run provisioned, by the
//! server's own means, for any broker on it (a process or the in-process
//! reference binding):
//!
//! - **read-only**: `ALTER SYSTEM SET default_transaction_read_only = on`
//!   and `pg_reload_conf()`. Every session, the ones already open
//!   included, takes the setting at its next statement, so each write
//!   fails with SQLSTATE `25006` (`cannot execute UPDATE in a read-only
//!   transaction`) while reads go on: a replica promoted the wrong way, or
//!   a primary whose disk filled and was set read-only by its operator.
//! - **outage**: the cluster stops as a crash stops it (`pg_ctl stop -m
//!   immediate`): every session is cut and connections are refused until
//!   the fault ends, when it starts again on the same port and replays
//!   what was committed.
//!
//! Both act on the whole cluster, so a run whose PostgreSQL store has
//! faults gets a throwaway cluster of its own even when `DATABASE_URL` is
//! set (`run/run_store.rs`). A full disk (`store_fail_after`) has no cheap
//! real mechanism on PostgreSQL and is refused as `Unsupported`.

use super::{BrokerFailure, FailureKind, RunShared, StoreFault};
use std::sync::Arc;
use std::time::Duration;
use throwaway_postgres::Postgres;

/// The name of the run's [`PostgresFaults`] in `RunShared`.
pub const RUN_POSTGRES_FAULTS: &str = "run.postgres-faults";

/// How long a reloaded setting may take to show in a new session.
const RELOAD_WITHIN: Duration = Duration::from_secs(2);

/// The fault control of a run's own PostgreSQL cluster.
#[derive(Debug)]
pub struct PostgresFaults {
    postgres: Arc<Postgres>,
    /// What is in force now. A fleet's steps name every instance of the
    /// shared store, so the same fault comes once per instance, at once:
    /// the first applies it, the rest find it done (the lock orders them).
    state: tokio::sync::Mutex<InForce>,
}

/// The faults in force on the cluster.
#[derive(Debug, Default, Clone, Copy)]
struct InForce {
    read_only: bool,
    stopped: bool,
}

impl PostgresFaults {
    /// Registers `postgres` (a throwaway cluster the run owns) as the run's
    /// faultable PostgreSQL store.
    pub fn register(shared: &RunShared, postgres: Arc<Postgres>) {
        let _ = shared.get_or_create(RUN_POSTGRES_FAULTS, || Self {
            postgres,
            state: tokio::sync::Mutex::default(),
        });
    }

    /// The run's PostgreSQL fault control, if it registered one.
    pub fn of_run(shared: &RunShared) -> Option<Arc<Self>> {
        shared.get::<Self>(RUN_POSTGRES_FAULTS)
    }

    /// Makes the cluster fail as `fault` says.
    pub async fn apply(&self, fault: StoreFault) -> Result<(), BrokerFailure> {
        let mut state = self.state.lock().await;
        match fault {
            StoreFault::ReadOnly(on) if state.read_only == on => Ok(()),
            StoreFault::Outage(on) if state.stopped == on => Ok(()),
            StoreFault::ReadOnly(_) if state.stopped => Err(failure(
                "the cluster is stopped (`store_outage`): its settings cannot change until it is back",
            )),
            StoreFault::ReadOnly(on) => {
                self.set_read_only(on).await?;
                state.read_only = on;
                Ok(())
            }
            StoreFault::Outage(on) => {
                let postgres = self.postgres.clone();
                tokio::task::spawn_blocking(move || {
                    if on {
                        postgres.stop()
                    } else {
                        postgres.resume()
                    }
                })
                .await
                .map_err(|error| failure(&error.to_string()))?
                .map_err(|error| failure(&error.to_string()))?;
                state.stopped = on;
                Ok(())
            }
            StoreFault::FailWritesAfter(_) => Err(BrokerFailure::new(
                FailureKind::Unsupported,
                "`store_fail_after` on a PostgreSQL store: a full disk has no cheap real mechanism there; `store_read_only` and `store_outage` work",
            )),
        }
    }

    async fn set_read_only(&self, on: bool) -> Result<(), BrokerFailure> {
        let statement = if on {
            "ALTER SYSTEM SET default_transaction_read_only = on"
        } else {
            "ALTER SYSTEM RESET default_transaction_read_only"
        };
        let client = connect(self.postgres.url()).await?;
        client
            .batch_execute(statement)
            .await
            .map_err(|error| failure(&format!("`{statement}`: {error}")))?;
        client
            .batch_execute("SELECT pg_reload_conf()")
            .await
            .map_err(|error| failure(&format!("`pg_reload_conf()`: {error}")))?;
        drop(client);
        // The reload is a signal: wait until a new session sees it, so the
        // fault is on (or off) when the step is over.
        let want = if on { "on" } else { "off" };
        let deadline = tokio::time::Instant::now() + RELOAD_WITHIN;
        loop {
            let client = connect(self.postgres.url()).await?;
            let shown = client
                .query_one("SHOW default_transaction_read_only", &[])
                .await
                .map_err(|error| failure(&error.to_string()))?
                .get::<_, String>(0);
            if shown == want {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                return Err(failure(&format!(
                    "`default_transaction_read_only` still `{shown}` {RELOAD_WITHIN:?} after the reload"
                )));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// A superuser session on the run's cluster, its connection driven on a
/// task of its own.
async fn connect(url: &str) -> Result<tokio_postgres::Client, BrokerFailure> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(|error| failure(&format!("cannot connect: {error}")))?;
    tokio::spawn(connection);
    Ok(client)
}

fn failure(what: &str) -> BrokerFailure {
    BrokerFailure::new(
        FailureKind::Other,
        format!("PostgreSQL store fault: {what}"),
    )
}
