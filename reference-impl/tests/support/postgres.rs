//! A PostgreSQL for tests (shared/DESIGN.md §8): `DATABASE_URL` when set, otherwise a
//! throwaway cluster (`initdb` + `pg_ctl` from PATH or /usr/lib/postgresql/*/bin) in a
//! temp dir on a free port, run as `nobody` when the tests run as root, removed on
//! drop. With `CI=true` a missing PostgreSQL fails the test instead of skipping it.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct TestPostgres {
    /// A libpq connection string.
    pub url: String,
    cluster: Option<Cluster>,
}

struct Cluster {
    pg_ctl: PathBuf,
    data: PathBuf,
    run_as_nobody: bool,
    _dir: tempfile::TempDir,
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        if let Some(cluster) = &self.cluster {
            let mut stop = cluster.command(&cluster.pg_ctl);
            stop.arg("-D")
                .arg(&cluster.data)
                .args(["-m", "immediate", "stop"]);
            let _ = stop.output();
        }
    }
}

impl Cluster {
    fn command(&self, program: &Path) -> Command {
        command_as(program, self.run_as_nobody)
    }
}

fn command_as(program: &Path, run_as_nobody: bool) -> Command {
    if run_as_nobody {
        let mut command = Command::new("runuser");
        command.args(["-u", "nobody", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// The database to test against, or `None` to skip (never under `CI=true`).
pub fn postgres() -> Option<TestPostgres> {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        return Some(TestPostgres { url, cluster: None });
    }
    match start_cluster() {
        Ok(pg) => Some(pg),
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("PostgreSQL is required under CI=true but could not start: {why}")
        }
        Err(why) => {
            eprintln!("skipping: no PostgreSQL ({why}); set DATABASE_URL or install initdb/pg_ctl");
            None
        }
    }
}

fn find(binary: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(
            std::fs::read_dir("/usr/lib/postgresql")
                .into_iter()
                .flatten()
                .flatten()
                .map(|entry| entry.path().join("bin")),
        )
        .map(|dir| dir.join(binary))
        .find(|candidate| candidate.is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn start_cluster() -> Result<TestPostgres, String> {
    let initdb = find("initdb").ok_or("initdb not found")?;
    let pg_ctl = find("pg_ctl").ok_or("pg_ctl not found")?;
    let run_as_nobody = is_root();
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    if run_as_nobody {
        // initdb refuses to run as root; the cluster belongs to `nobody`.
        let status = Command::new("chown")
            .args(["-R", "nobody"])
            .arg(dir.path())
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err("could not chown the temp dir to nobody".into());
        }
    }
    let data = dir.path().join("data");
    let out = command_as(&initdb, run_as_nobody)
        .arg("-D")
        .arg(&data)
        .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
        dir.path().display()
    );
    let cluster = Cluster {
        pg_ctl: pg_ctl.clone(),
        data: data.clone(),
        run_as_nobody,
        _dir: dir,
    };
    let log = data.join("server.log");
    let out = cluster
        .command(&pg_ctl)
        .arg("-D")
        .arg(&data)
        .arg("-o")
        .arg(&options)
        .arg("-l")
        .arg(&log)
        .args(["-w", "start"])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "pg_ctl start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(TestPostgres {
        url: format!("host=127.0.0.1 port={port} user=postgres dbname=postgres"),
        cluster: Some(cluster),
    })
}
