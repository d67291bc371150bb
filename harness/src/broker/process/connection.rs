//! One running broker process and the JSON-RPC 2.0 plumbing to it: a
//! writer, a reader task that dispatches answers by id (so answers may come
//! out of order), a stderr capture, and typed failures for every way a
//! process can misbehave. No call can hang: each has a timeout, and EOF or
//! exit fails every pending call at once.

use crate::broker::{BrokerFailure, FailureKind};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::oneshot;

/// Stderr (and, separately, answers) kept per broker; beyond this the rest
/// is dropped.
const STDERR_LIMIT: usize = 32 * 1024 * 1024;

type Reply = Result<Value, BrokerFailure>;
/// Calls awaiting their answer, by id: the method and the waiter.
type Pending = Arc<Mutex<BTreeMap<u64, (String, oneshot::Sender<Reply>)>>>;

/// What outlives one process: stderr, answers and problems accumulate
/// across restarts.
#[derive(Debug, Clone, Default)]
pub(super) struct Transcript {
    pub stderr: Arc<Mutex<Vec<u8>>>,
    /// Every line the broker wrote to stdout, one per line, with an
    /// `access_token` result's own token taken out: what the leak scan
    /// reads of the protocol.
    pub answers: Arc<Mutex<Vec<u8>>>,
    pub problems: Arc<Mutex<Vec<String>>>,
}

impl Transcript {
    pub fn note(&self, problem: String) {
        lock(&self.problems).push(problem);
    }

    fn keep_answer(&self, line: &str) {
        let mut answers = lock(&self.answers);
        if answers.len() + line.len() < STDERR_LIMIT {
            answers.extend_from_slice(line.as_bytes());
            answers.push(b'\n');
        }
    }
}

/// A spawned broker process.
#[derive(Debug)]
pub(super) struct Connection {
    stdin: tokio::sync::Mutex<ChildStdin>,
    pending: Pending,
    next_id: AtomicU64,
    /// Why the process is gone, once it is.
    gone: Arc<Mutex<Option<String>>>,
    child: tokio::sync::Mutex<Child>,
    /// The process id (`sh -c "exec ..."` keeps the shell's).
    pid: Option<u32>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Connection {
    /// Spawns `sh -c "exec COMMAND"` with piped stdio.
    pub fn spawn(
        command: &str,
        env: &[(String, String)],
        transcript: &Transcript,
    ) -> Result<Self, BrokerFailure> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("exec {command}"))
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| {
                BrokerFailure::new(
                    FailureKind::Crashed,
                    format!("cannot start broker command `{command}`: {error}"),
                )
            })?;
        let pid = child.id();
        let missing = || BrokerFailure::new(FailureKind::Crashed, "broker stdio was not piped");
        let stdin = child.stdin.take().ok_or_else(missing)?;
        let stdout = child.stdout.take().ok_or_else(missing)?;
        let stderr = child.stderr.take().ok_or_else(missing)?;
        let pending: Pending = Arc::default();
        let gone = Arc::new(Mutex::new(None));
        tokio::spawn(read_answers(
            BufReader::new(stdout),
            pending.clone(),
            gone.clone(),
            transcript.clone(),
        ));
        tokio::spawn(capture_stderr(stderr, transcript.clone()));
        Ok(Self {
            stdin: tokio::sync::Mutex::new(stdin),
            pending,
            next_id: AtomicU64::new(1),
            gone,
            child: tokio::sync::Mutex::new(child),
            pid,
        })
    }

    /// The process id, while the process was running when asked for it at spawn.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Sends one request and waits at most `timeout` for its answer.
    pub async fn call(&self, method: &str, params: Value, timeout: Duration) -> Reply {
        if let Some(reason) = lock(&self.gone).clone() {
            return Err(BrokerFailure::new(FailureKind::Crashed, reason));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(id, (method.to_owned(), tx));
        let mut line =
            json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string();
        line.push('\n');
        let written = {
            let mut stdin = self.stdin.lock().await;
            match stdin.write_all(line.as_bytes()).await {
                Ok(()) => stdin.flush().await,
                Err(error) => Err(error),
            }
        };
        if let Err(error) = written {
            lock(&self.pending).remove(&id);
            return Err(BrokerFailure::new(
                FailureKind::Crashed,
                format!("cannot write `{method}` to the broker's stdin: {error}"),
            ));
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(_)) => Err(BrokerFailure::new(
                FailureKind::Crashed,
                lock(&self.gone)
                    .clone()
                    .unwrap_or_else(|| "the broker went away".to_owned()),
            )),
            Err(_) => {
                lock(&self.pending).remove(&id);
                Err(BrokerFailure::new(
                    FailureKind::Timeout,
                    format!(
                        "no answer to `{method}` (id {id}) within {}",
                        humantime::format_duration(timeout)
                    ),
                ))
            }
        }
    }

    /// SIGKILL, no questions asked (a crash, as the scenario wants it).
    pub async fn kill(&self) {
        let mut child = self.child.lock().await;
        let _ = child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
        lock(&self.gone).get_or_insert_with(|| "killed by the harness".to_owned());
    }

    /// Asks the broker to shut down, then makes sure it is gone.
    pub async fn shutdown(&self, timeout: Duration) {
        let _ = self.call("shutdown", json!({}), timeout).await;
        let mut child = self.child.lock().await;
        if tokio::time::timeout(timeout, child.wait()).await.is_err() {
            let _ = child.start_kill();
            let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
        }
    }
}

async fn read_answers(
    mut stdout: BufReader<tokio::process::ChildStdout>,
    pending: Pending,
    gone: Arc<Mutex<Option<String>>>,
    transcript: Transcript,
) {
    let mut line = String::new();
    loop {
        line.clear();
        match stdout.read_line(&mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => dispatch(line.trim_end(), &pending, &transcript),
        }
    }
    let reason = "the broker closed its stdout (it exited or crashed)".to_owned();
    lock(&gone).get_or_insert(reason.clone());
    for (_, (_, waiter)) in std::mem::take(&mut *lock(&pending)) {
        let _ = waiter.send(Err(BrokerFailure::new(
            FailureKind::Crashed,
            reason.clone(),
        )));
    }
}

fn dispatch(line: &str, pending: &Pending, transcript: &Transcript) {
    if line.trim().is_empty() {
        return;
    }
    let shown: String = line.chars().take(120).collect();
    let Ok(message) = serde_json::from_str::<Value>(line) else {
        // The answer cannot be matched to a call, so every waiting call
        // learns the broker broke the protocol.
        transcript.keep_answer(line);
        transcript.note(format!("stdout line is not JSON: `{shown}`"));
        for (_, (_, waiter)) in std::mem::take(&mut *lock(pending)) {
            let _ = waiter.send(Err(BrokerFailure::new(
                FailureKind::Protocol,
                "the broker wrote a line that is not JSON",
            )));
        }
        return;
    };
    let Some(id) = message.get("id").and_then(Value::as_u64) else {
        transcript.keep_answer(line);
        transcript.note(format!("answer without a numeric `id`: `{shown}`"));
        return;
    };
    let Some((method, waiter)) = lock(pending).remove(&id) else {
        transcript.keep_answer(line);
        transcript.note(format!("answer to unknown or timed-out id {id}"));
        return;
    };
    transcript.keep_answer(&scannable(&method, &message).unwrap_or_else(|| line.to_owned()));
    let reply = if message.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        Err(BrokerFailure::new(
            FailureKind::Protocol,
            "answer lacks `\"jsonrpc\": \"2.0\"`",
        ))
    } else if let Some(result) = message.get("result") {
        Ok(result.clone())
    } else if let Some(error) = message.get("error") {
        Err(failure_from_error(error))
    } else {
        Err(BrokerFailure::new(
            FailureKind::Protocol,
            "answer has neither `result` nor `error`",
        ))
    };
    let _ = waiter.send(reply);
}

/// Methods whose result carries an access token in its `access_token`
/// field: the one place a token belongs in an answer.
const TOKEN_METHODS: &[&str] = &["access_token", "service_account_token"];

/// An answer as the leak scan reads it: a token method's result without
/// its `access_token` field; `None` when the line is kept as it came.
fn scannable(method: &str, message: &Value) -> Option<String> {
    if !TOKEN_METHODS.contains(&method) {
        return None;
    }
    let mut message = message.clone();
    let result = message.get_mut("result")?.as_object_mut()?;
    result.remove("access_token")?;
    Some(message.to_string())
}

/// Maps a JSON-RPC error object to a typed failure through `data.kind`.
pub(super) fn failure_from_error(error: &Value) -> BrokerFailure {
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("error without a message")
        .to_owned();
    let kind = match error.pointer("/data/kind").and_then(Value::as_str) {
        Some("revoked") => FailureKind::Revoked,
        Some("transient") => FailureKind::Transient,
        Some("storage") => FailureKind::Storage,
        Some("unsupported") => FailureKind::Unsupported,
        _ if error.get("code").and_then(Value::as_i64) == Some(-32601) => FailureKind::Unsupported,
        _ => FailureKind::Other,
    };
    BrokerFailure::new(kind, message)
}

async fn capture_stderr(mut stderr: tokio::process::ChildStderr, transcript: Transcript) {
    let mut chunk = [0u8; 8192];
    loop {
        match stderr.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let mut buffer = lock(&transcript.stderr);
                if buffer.len() + n <= STDERR_LIMIT {
                    buffer.extend_from_slice(&chunk[..n]);
                }
            }
        }
    }
}
