//! Reads the store a run provisioned as an attacker with the disk (or a
//! database dump) would: raw bytes, no keys. The leak checker scans them
//! for plaintext secrets.
//!
//! - A directory store (`sqlite:` and `file:`): every file under the run's
//!   directory, so an SQLite database comes with its `-wal`, `-journal` and
//!   `-shm`, a `file:` store with its temp files, and anything else the
//!   broker put there (a backup, a mailbox database).
//! - A PostgreSQL schema: every row of every table, `bytea` columns as
//!   their bytes and everything else as its text form.
//!
//! A part that cannot be read is kept with no bytes and a label saying why,
//! so the checker's coverage line shows the gap instead of hiding it.

use crate::broker::RunShared;
use std::path::{Path, PathBuf};

/// The name the run's reader is registered under in [`RunShared`].
pub(super) const STORE_AT_REST: &str = "run.store-at-rest";

/// Above this a file is read only up to it (a mailbox database can grow).
const FILE_LIMIT: u64 = 64 * 1024 * 1024;

/// How to read the run's provisioned store. `Debug` leaves out the
/// database URL (it may carry a password).
#[derive(Clone)]
pub(crate) enum StoreAtRest {
    /// Every file under this directory.
    Dir(PathBuf),
    /// Every row of every table in `schema` at `server`.
    Postgres { server: String, schema: String },
}

impl std::fmt::Debug for StoreAtRest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Dir(dir) => f.debug_tuple("Dir").field(dir).finish(),
            Self::Postgres { schema, .. } => f
                .debug_struct("Postgres")
                .field("schema", schema)
                .finish_non_exhaustive(),
        }
    }
}

impl StoreAtRest {
    /// Registers `self` as the run's store at rest.
    pub fn register(self, shared: &RunShared) {
        shared.get_or_create(STORE_AT_REST, || self);
    }

    /// The run's store at rest, if the harness provisioned one.
    pub fn of(shared: &RunShared) -> Option<Self> {
        shared.get::<Self>(STORE_AT_REST).map(|s| (*s).clone())
    }

    /// Every part of the store now, each labelled `NAME WHEN`.
    pub async fn read(&self, when: &str) -> Vec<(String, Vec<u8>)> {
        match self {
            Self::Dir(dir) => {
                let dir = dir.clone();
                let when = when.to_owned();
                tokio::task::spawn_blocking(move || read_dir(&dir, &when))
                    .await
                    .unwrap_or_else(|error| {
                        vec![(
                            format!("the store directory (unreadable: {error})"),
                            Vec::new(),
                        )]
                    })
            }
            Self::Postgres { server, schema } => match read_schema(server, schema).await {
                Ok(tables) => tables
                    .into_iter()
                    .map(|(table, bytes)| (format!("table {table} {when}"), bytes))
                    .collect(),
                Err(error) => vec![(
                    format!("schema {schema} {when} (unreadable: {error})"),
                    Vec::new(),
                )],
            },
        }
    }
}

fn read_dir(dir: &Path, when: &str) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    collect_files(dir, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            match read_capped(&path) {
                Ok(bytes) => (format!("{name} {when}"), bytes),
                Err(error) => (format!("{name} {when} (unreadable: {error})"), Vec::new()),
            }
        })
        .collect()
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => collect_files(&path, files),
            Ok(kind) if kind.is_file() => files.push(path),
            _ => {}
        }
    }
}

fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(FILE_LIMIT)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Every table of `schema`, its rows one per line, columns tab-separated.
async fn read_schema(server: &str, schema: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    let (client, connection) = tokio_postgres::connect(server, tokio_postgres::NoTls)
        .await
        .map_err(|error| format!("cannot connect: {error}"))?;
    let connection = tokio::spawn(connection);
    let read = async {
        let tables = client
            .query(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = $1 ORDER BY 1",
                &[&schema],
            )
            .await
            .map_err(|error| format!("cannot list tables: {error}"))?;
        let mut out = Vec::new();
        for row in tables {
            let table: String = row.get(0);
            out.push((table.clone(), read_table(&client, schema, &table).await?));
        }
        Ok::<_, String>(out)
    };
    let result = read.await;
    drop(client);
    let _ = connection.await;
    result
}

async fn read_table(
    client: &tokio_postgres::Client,
    schema: &str,
    table: &str,
) -> Result<Vec<u8>, String> {
    let columns = client
        .query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
            &[&schema, &table],
        )
        .await
        .map_err(|error| format!("cannot list the columns of {table}: {error}"))?;
    let columns: Vec<(String, bool)> = columns
        .iter()
        .map(|row| (row.get::<_, String>(0), row.get::<_, String>(1) == "bytea"))
        .collect();
    if columns.is_empty() {
        return Ok(Vec::new());
    }
    let select: Vec<String> = columns
        .iter()
        .map(|(name, bytea)| {
            let quoted = quote(name);
            if *bytea {
                quoted
            } else {
                format!("{quoted}::text")
            }
        })
        .collect();
    let query = format!(
        "SELECT {} FROM {}.{}",
        select.join(", "),
        quote(schema),
        quote(table)
    );
    let rows = client
        .query(query.as_str(), &[])
        .await
        .map_err(|error| format!("cannot read {table}: {error}"))?;
    let mut bytes = Vec::new();
    for row in rows {
        for (index, (_, bytea)) in columns.iter().enumerate() {
            if *bytea {
                let value: Option<Vec<u8>> = row.get(index);
                bytes.extend(value.unwrap_or_default());
            } else {
                let value: Option<String> = row.get(index);
                bytes.extend(value.unwrap_or_default().into_bytes());
            }
            bytes.push(b'\t');
        }
        bytes.push(b'\n');
    }
    Ok(bytes)
}

/// A PostgreSQL identifier, quoted.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_is_read_file_by_file_with_what_the_broker_added() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("tokens.db"), b"main").expect("write");
        std::fs::write(dir.path().join("tokens.db-wal"), b"wal").expect("write");
        std::fs::create_dir(dir.path().join("backup")).expect("mkdir");
        std::fs::write(dir.path().join("backup/old.json"), b"old").expect("write");
        let parts = read_dir(dir.path(), "after the run");
        let names: Vec<&str> = parts.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "backup/old.json after the run",
                "tokens.db after the run",
                "tokens.db-wal after the run"
            ]
        );
        assert_eq!(parts[2].1, b"wal");
    }

    #[test]
    fn a_schema_is_read_row_by_row_with_bytea_as_its_bytes() {
        let Some(postgres) = throwaway_postgres::for_tests() else {
            return;
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let parts = runtime.block_on(async {
            let (client, connection) =
                tokio_postgres::connect(postgres.url(), tokio_postgres::NoTls)
                    .await
                    .expect("connects");
            let connection = tokio::spawn(connection);
            client
                .batch_execute(
                    "CREATE SCHEMA at_rest_test; \
                     CREATE TABLE at_rest_test.grants (account text, sealed bytea, version bigint); \
                     INSERT INTO at_rest_test.grants VALUES ('alice', '\\x31', 7)",
                )
                .await
                .expect("creates");
            drop(client);
            let _ = connection.await;
            let store = StoreAtRest::Postgres {
                server: postgres.url().to_owned(),
                schema: "at_rest_test".to_owned(),
            };
            store.read("after the run").await
        });
        assert_eq!(parts.len(), 1, "{parts:?}");
        assert_eq!(parts[0].0, "table grants after the run");
        // `bytea` '\x31' is the byte `1`, not its hex text.
        assert_eq!(parts[0].1, b"alice\t1\t7\t\n");
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote(r#"we"ird"#), r#""we""ird""#);
    }
}
