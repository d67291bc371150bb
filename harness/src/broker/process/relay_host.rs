//! The relay under test as a process (docs/PROTOCOL.md, "The relay under
//! test"): for a process run the harness starts the relay command
//! (`token-relay` beside `reference-broker`, or `--relay CMD`) with a
//! `relay.toml` it writes, on a fixed 127.0.0.1 port, and its consumers
//! are the reference [`RelayClient`] calling it over real HTTP with their
//! own bearer credentials. What crossed the boundary is what the harness's
//! sockets received, not what the relay says it sent.
//!
//! Taking the relay down is `SIGKILL` to its process group (a wrapper's
//! children die with it); bringing it back starts the command again over
//! the same store and port with `relay-restart.toml`, which names no
//! refresh token: a restarted relay serves what it kept. Its stderr (and
//! any stdout after the first line) joins instance 0's captured log, so
//! `no_token_leak` reads it.

use super::faketime::FakeClock;
use super::process_table::ProcessTable;
use super::relay_config;
use crate::broker::reference_relay::{Contacts, relay_answer};
use crate::broker::{BrokerEnv, BrokerFailure, FailureKind, RelayAnswer, RelaySetup};
use crate::broker::{GatewaySetup, RunStoreKeys};
use futures::future::BoxFuture;
use reference_impl::{
    HttpRequest, HttpResponse, HttpTransport, RelayClient, ReqwestTransport, TransportError,
};
use secrecy::ExposeSecret;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

/// The relay's row in the run's [`ProcessTable`] (instances are numbered
/// from 0), so the timeline skips only while its threads are idle too.
const RELAY_ROW: u32 = u32::MAX;

/// How long a starting relay may take to print its URI.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A consumer's whole-request timeout: longer than any bound of
/// `relay_consumers_available`, so a relay that never answers is seen
/// waiting, not cut short.
const CONSUMER_TIMEOUT: Duration = Duration::from_secs(10);

/// Most bytes of relay output kept (as for a broker's stderr).
const LOG_LIMIT: usize = 64 * 1024 * 1024;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

type Bodies = Arc<Mutex<Vec<Vec<u8>>>>;

/// One relay process and its consumers.
pub(super) struct ProcessRelay {
    command: String,
    dir: tempfile::TempDir,
    /// `NAME=value` for every spawn (secrets, keyring, libfaketime, logging).
    vars: Vec<(String, String)>,
    clock: Option<FakeClock>,
    table: Option<Arc<ProcessTable>>,
    running: tokio::sync::Mutex<Option<Child>>,
    log: Arc<Mutex<Vec<u8>>>,
    problems: Arc<Mutex<Vec<String>>>,
    consumers: BTreeMap<String, (RelayClient, Bodies)>,
    contacts: Contacts,
}

impl std::fmt::Debug for ProcessRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessRelay")
            .field("command", &self.command)
            .field("consumers", &self.consumers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// A consumer's transport: real HTTP, remembering when it contacted the
/// relay and every body it received.
#[derive(Debug)]
struct ConsumerHttp {
    consumer: String,
    inner: ReqwestTransport,
    clock: Arc<dyn reference_impl::Clock>,
    contacts: Contacts,
    bodies: Bodies,
}

impl HttpTransport for ConsumerHttp {
    fn send(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        lock(&self.contacts).push((self.consumer.clone(), self.clock.now()));
        let exchange = self.inner.send(request);
        let bodies = self.bodies.clone();
        Box::pin(async move {
            let response = exchange.await?;
            lock(&bodies).push(response.body().clone());
            Ok(response)
        })
    }
}

impl ProcessRelay {
    /// Starts `command` as the run's relay when the scenario has one.
    pub async fn start(
        env: &BrokerEnv,
        command: &str,
        table: Option<Arc<ProcessTable>>,
        clock: Option<FakeClock>,
    ) -> Result<Option<Self>, BrokerFailure> {
        let Some(setup) = GatewaySetup::of(&env.shared) else {
            return Ok(None);
        };
        let Some(relay) = setup.relay.clone() else {
            return Ok(None);
        };
        let failure = |what: &str, error: std::io::Error| {
            BrokerFailure::new(FailureKind::Other, format!("relay: {what}: {error}"))
        };
        let dir = tempfile::Builder::new()
            .prefix("oauth-chaos-relay-")
            .tempdir()
            .map_err(|e| failure("cannot create its directory", e))?;
        let listen = free_port().map_err(|e| failure("no free port", e))?;
        let store = format!("file:{}", dir.path().join("store").display());
        let files = relay_config::write_files(
            env,
            &relay,
            &setup.service_accounts,
            dir.path(),
            listen,
            &store,
        )
        .map_err(|e| failure("cannot write its config", e))?;
        std::fs::write(dir.path().join("relay.toml"), &files.first)
            .and_then(|()| std::fs::write(dir.path().join("relay-restart.toml"), &files.restart))
            .map_err(|e| failure("cannot write its config", e))?;
        let mut vars = files.secrets;
        let keys = RunStoreKeys::generate();
        vars.push((
            "OAUTH_CHAOS_STORE_KEYS".to_owned(),
            keys.0.expose_secret().to_owned(),
        ));
        // The most verbose logs: the leak checker reads them.
        vars.push(("RUST_LOG".to_owned(), "trace".to_owned()));
        vars.push(("OAUTH_CHAOS_LOG".to_owned(), "trace".to_owned()));
        vars.extend(clock.as_ref().map(FakeClock::env).unwrap_or_default());
        let contacts = Contacts::default();
        let base = format!("http://{listen}");
        let consumers = consumers(env, &relay, &base, &contacts);
        let host = Self {
            command: command.to_owned(),
            dir,
            vars,
            clock,
            table,
            running: tokio::sync::Mutex::new(None),
            log: Arc::default(),
            problems: Arc::default(),
            consumers,
            contacts,
        };
        host.spawn("relay.toml").await;
        Ok(Some(host))
    }

    /// Starts the command with config `file`; a relay that does not come up
    /// is a problem of the run (its consumers then find nobody listening).
    async fn spawn(&self, file: &str) {
        let config = self.dir.path().join(file);
        let mut child = match Command::new("sh")
            .arg("-c")
            .arg(format!(
                "exec {} --config {}",
                self.command,
                super::shell_quote(&config.display().to_string())
            ))
            .envs(self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
        {
            Ok(child) => child,
            Err(error) => {
                self.problem(format!("cannot start `{}`: {error}", self.command));
                return;
            }
        };
        if let (Some(table), Some(pid)) = (&self.table, child.id()) {
            table.set(RELAY_ROW, pid, false);
        }
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(keep(stderr, self.log.clone()));
        }
        if let Some(stdout) = child.stdout.take() {
            let mut lines = BufReader::new(stdout);
            let mut first = String::new();
            let read = tokio::time::timeout(START_TIMEOUT, lines.read_line(&mut first)).await;
            if !matches!(read, Ok(Ok(n)) if n > 0 && first.starts_with("http://")) {
                self.problem(format!(
                    "the relay `{}` printed no `http://` URI on its first stdout line within {} s",
                    self.command,
                    START_TIMEOUT.as_secs()
                ));
            }
            tokio::spawn(keep(lines, self.log.clone()));
        }
        *self.running.lock().await = Some(child);
    }

    fn problem(&self, problem: String) {
        lock(&self.problems).push(problem);
    }

    /// `SIGKILL` to the relay's process group, and waits for it to go.
    async fn kill(&self) {
        let Some(mut child) = self.running.lock().await.take() else {
            return;
        };
        kill_group(&child);
        let _ = child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
        lock(&self.log).extend_from_slice(
            b"\n[oauth-chaos] SIGKILL: the harness killed the relay and starts it again\n",
        );
    }

    /// Down: `SIGKILL`. Up: the command again over the same store and port.
    pub async fn set_down(&self, down: bool) -> Result<(), BrokerFailure> {
        if down {
            self.kill().await;
        } else {
            self.spawn("relay-restart.toml").await;
        }
        Ok(())
    }

    /// One call of `consumer`'s client.
    pub async fn token(&self, consumer: &str) -> RelayAnswer {
        let Some((client, bodies)) = self.consumers.get(consumer) else {
            return RelayAnswer {
                result: Err((
                    FailureKind::Other,
                    false,
                    format!("no consumer `{consumer}`"),
                )),
                bodies: Vec::new(),
            };
        };
        let outcome = client.token().await;
        relay_answer(outcome, std::mem::take(&mut *lock(bodies)))
    }

    /// When consumers contacted the relay.
    pub fn contacts(&self) -> Vec<(String, SystemTime)> {
        lock(&self.contacts).clone()
    }

    /// The relay's output so far, with a header saying whose it is.
    pub fn log(&self) -> Vec<u8> {
        let mut log = b"\n[oauth-chaos] the relay process's stderr and stdout:\n".to_vec();
        log.extend_from_slice(&lock(&self.log));
        log
    }

    /// What went wrong starting it.
    pub fn problems(&self) -> Vec<String> {
        lock(&self.problems).clone()
    }

    /// Moves the relay's wall clock with the timeline (as instance 0's).
    pub fn set_clock_offset(&self, offset_ms: i64) -> std::io::Result<()> {
        match &self.clock {
            Some(clock) => clock.set_offset_ms(offset_ms),
            None => Ok(()),
        }
    }

    /// `SIGTERM` to the relay's process group, then `SIGKILL` to what is
    /// left of it after `grace`: a wrapper that exits on `SIGTERM` must not
    /// leave the relay it started running.
    pub async fn shutdown(&self, grace: Duration) {
        let Some(mut child) = self.running.lock().await.take() else {
            return;
        };
        let group = group_of(&child);
        if let Some(group) = group {
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::TERM);
        }
        let _ = tokio::time::timeout(grace, child.wait()).await;
        if let Some(group) = group {
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        }
        let _ = child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
    }
}

impl Drop for ProcessRelay {
    fn drop(&mut self) {
        // A relay the run did not shut down (a panic, a cancelled run) must
        // not outlive it, nor anything it started.
        if let Ok(running) = self.running.try_lock()
            && let Some(child) = running.as_ref()
        {
            kill_group(child);
        }
    }
}

/// The process group the relay leads (its pid: it was spawned as the
/// group's leader), while it has not been reaped.
fn group_of(child: &Child) -> Option<rustix::process::Pid> {
    child
        .id()
        .and_then(|pid| i32::try_from(pid).ok())
        .and_then(rustix::process::Pid::from_raw)
}

/// `SIGKILL` to the process group the relay leads.
fn kill_group(child: &Child) {
    if let Some(group) = group_of(child) {
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    }
}

/// A port nobody listens on now, for the relay to keep across restarts.
fn free_port() -> std::io::Result<SocketAddr> {
    std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()
}

/// Appends everything `from` writes to `log` (up to [`LOG_LIMIT`]).
async fn keep(mut from: impl tokio::io::AsyncRead + Unpin, log: Arc<Mutex<Vec<u8>>>) {
    let mut chunk = [0u8; 8192];
    loop {
        match from.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let mut log = lock(&log);
                if log.len() + n <= LOG_LIMIT {
                    log.extend_from_slice(&chunk[..n]);
                }
            }
        }
    }
}

/// One [`RelayClient`] per consumer, on instance 0's clock.
fn consumers(
    env: &BrokerEnv,
    relay: &RelaySetup,
    base: &str,
    contacts: &Contacts,
) -> BTreeMap<String, (RelayClient, Bodies)> {
    relay
        .consumers
        .iter()
        .map(|consumer| {
            let bodies = Bodies::default();
            let transport = Arc::new(ConsumerHttp {
                consumer: consumer.id.clone(),
                inner: ReqwestTransport::with_timeout(CONSUMER_TIMEOUT),
                clock: env.clock.clone(),
                contacts: contacts.clone(),
                bodies: bodies.clone(),
            });
            let client = RelayClient::new(
                base,
                consumer.credential.expose_secret(),
                env.clock.clone(),
                transport,
            );
            (consumer.id.clone(), (client, bodies))
        })
        .collect()
}
