//! A throwaway PostgreSQL cluster for the tests (DESIGN §8).
//!
//! - `DATABASE_URL` set: use it.
//! - Otherwise start one cluster per test binary: `initdb` + `pg_ctl` (from `PATH` or
//!   `/usr/lib/postgresql/*/bin`) in a temp dir, on a free port, its unix socket in
//!   the same dir. PostgreSQL refuses to run as root, so under root the binaries run
//!   as `nobody` through `runuser`, in a dir chowned to it.
//! - Cleanup: statics are never dropped, so a detached watchdog shell polls this test
//!   process and, once it is gone (however it ended, even by `kill -9`), stops the
//!   cluster (`pg_ctl stop -m immediate`) and removes the temp dir.
//! - No PostgreSQL: a failure when `CI=true`, else the tests skip with the reason.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

static CLUSTER: OnceLock<Result<String, String>> = OnceLock::new();

/// A connection URL, or `None` (reason printed) when PostgreSQL tests must skip.
pub fn database_url() -> Option<String> {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        return Some(url);
    }
    match CLUSTER.get_or_init(start_cluster) {
        Ok(url) => Some(url.clone()),
        Err(reason) if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("CI=true and PostgreSQL is unavailable: {reason}")
        }
        Err(reason) => {
            eprintln!(
                "skipping PostgreSQL test: {reason} (set DATABASE_URL or install PostgreSQL)"
            );
            None
        }
    }
}

fn start_cluster() -> Result<String, String> {
    let bin =
        postgres_bin_dir().ok_or("no `initdb`/`pg_ctl` on PATH or in /usr/lib/postgresql/*/bin")?;
    let root = tempfile::Builder::new()
        .prefix("oauth-chaos-pg-")
        .tempdir()
        .map_err(|error| format!("could not create a temp dir: {error}"))?
        .keep();
    let run_as = if is_root() {
        let (uid, gid) = nobody_ids().ok_or("running as root and there is no `nobody` user")?;
        std::os::unix::fs::chown(&root, Some(uid), Some(gid))
            .map_err(|error| format!("could not chown the cluster dir to nobody: {error}"))?;
        Some("nobody")
    } else {
        None
    };
    let data = root.join("data");
    spawn_watchdog(&bin, &root, &data, run_as);

    let initdb = command(run_as, &bin.join("initdb"))
        .args([
            "--auth=trust",
            "--username=postgres",
            "--encoding=UTF8",
            "--no-sync",
            "-D",
        ])
        .arg(&data)
        .output()
        .map_err(|error| format!("could not run initdb: {error}"))?;
    if !initdb.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&initdb.stderr)
        ));
    }
    let port = free_port()?;
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
        root.display()
    );
    let started = command(run_as, &bin.join("pg_ctl"))
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(root.join("server.log"))
        .args(["-w", "-o", &options, "start"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|error| format!("could not run pg_ctl: {error}"))?;
    if !started.success() {
        let log = std::fs::read_to_string(root.join("server.log")).unwrap_or_default();
        return Err(format!("pg_ctl start failed: {log}"));
    }
    Ok(format!("postgresql://postgres@127.0.0.1:{port}/postgres"))
}

fn command(run_as: Option<&str>, program: &Path) -> Command {
    match run_as {
        Some(user) => {
            let mut command = Command::new("runuser");
            command.args(["-u", user, "--"]).arg(program);
            command
        }
        None => Command::new(program),
    }
}

/// Stops the cluster and deletes its dir once this test process has exited.
fn spawn_watchdog(bin: &Path, root: &Path, data: &Path, run_as: Option<&str>) {
    let pg_ctl = bin.join("pg_ctl");
    let stop = match run_as {
        Some(user) => format!("runuser -u {user} -- '{}'", pg_ctl.display()),
        None => format!("'{}'", pg_ctl.display()),
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; \
         {stop} -D '{data}' stop -m immediate >/dev/null 2>&1; rm -rf '{root}'",
        pid = std::process::id(),
        data = data.display(),
        root = root.display(),
    );
    let spawned = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    if let Err(error) = spawned {
        eprintln!(
            "could not start the cluster watchdog ({error}); remove {} by hand",
            root.display()
        );
    }
}

fn postgres_bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>());
    let versioned = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"));
    on_path
        .chain(versioned)
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
}

fn nobody_ids() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let line = passwd.lines().find(|line| line.starts_with("nobody:"))?;
    let mut fields = line.split(':').skip(2);
    Some((fields.next()?.parse().ok()?, fields.next()?.parse().ok()?))
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|error| format!("no free port: {error}"))?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(|error| format!("no free port: {error}"))
}
