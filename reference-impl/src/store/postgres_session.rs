//! The PostgreSQL store's one session, opened again when it drops.
//!
//! A database restart (a crash, a failover, an operator's `pg_ctl
//! restart`) cuts every session. A store that kept its dead client would
//! fail every call from then on, until the process restarts: the broker
//! serves from memory, says `degraded` for good, and never persists again
//! (the harness's `real-postgres-read-only-then-down` found it). So each
//! call asks [`Session::client`], which opens a new session when the last
//! one is closed; concurrent callers wait for that one attempt, and while
//! the server is down each call fails fast as `Unavailable`.

use std::sync::Arc;

use tokio_postgres::{Client, Config, NoTls};

use super::StoreError;
use super::postgres_schema::{migrate, pg_error};

/// The live client, and how to open another.
pub(super) struct Session {
    config: Config,
    current: tokio::sync::Mutex<Arc<Client>>,
}

impl Session {
    /// Opens the first session and migrates the schema.
    pub(super) async fn open(config: &Config) -> Result<Self, StoreError> {
        let mut client = connect(config).await?;
        migrate(&mut client).await?;
        Ok(Self {
            config: config.clone(),
            current: tokio::sync::Mutex::new(Arc::new(client)),
        })
    }

    /// The client to run a statement on: the current one, or a new session
    /// when it has closed (the tables exist already: no migration).
    pub(super) async fn client(&self) -> Result<Arc<Client>, StoreError> {
        let mut current = self.current.lock().await;
        if current.is_closed() {
            *current = Arc::new(connect(&self.config).await?);
            tracing::info!("postgres token store reconnected");
        }
        Ok(current.clone())
    }
}

async fn connect(config: &Config) -> Result<Client, StoreError> {
    let (client, connection) = config.connect(NoTls).await.map_err(pg_error)?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::warn!(%error, "postgres token store connection closed");
        }
    });
    Ok(client)
}
