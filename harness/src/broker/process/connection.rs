//! One running broker process and the JSON-RPC 2.0 plumbing to it: a
//! writer, a reader task that dispatches answers by id (so answers may come
//! out of order), a stderr capture, and typed failures for every way a
//! process can misbehave. No call can hang: each has a timeout, and EOF or
//! exit fails every pending call at once.

use crate::broker::{BrokerFailure, FailureKind};
use oauth_chaos_protocol::{
    ErrorCode, ErrorKind, JSONRPC, Method, ReceivedAnswer, Request, RpcErrorObject,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
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
type Pending = Arc<Mutex<BTreeMap<u64, (Method, oneshot::Sender<Reply>)>>>;

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
        wrapper: &[String],
        env: &[(String, String)],
        transcript: &Transcript,
    ) -> Result<Self, BrokerFailure> {
        // `wrapper` (e.g. `setpriv …`) execs the shell, which execs the
        // command: one pid throughout.
        let mut words = wrapper.iter().map(String::as_str).chain(["sh"]);
        let program = words.next().unwrap_or("sh");
        let mut child = Command::new(program)
            .args(words)
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

    /// Sends one request and waits at most `timeout` for its answer, read
    /// as `R`: a result of another shape is a [`FailureKind::Protocol`]
    /// failure, never a guess.
    pub async fn call<R: DeserializeOwned>(
        &self,
        method: Method,
        params: &impl Serialize,
        timeout: Duration,
    ) -> Result<R, BrokerFailure> {
        let result = self.call_raw(method, params, timeout).await?;
        serde_path_to_error::deserialize(result).map_err(|error| {
            // The field it went wrong in, so a broker's author knows where
            // to look; never the value (it might be a secret).
            let field = error.path().iter().find_map(|segment| match segment {
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                _ => None,
            });
            let place = match field {
                Some(field) => format!(" field `{field}` (at `{}`)", error.path()),
                None => String::new(),
            };
            BrokerFailure::new(
                FailureKind::Protocol,
                format!(
                    "`{method}` result is not the protocol's:{place} {}",
                    oauth_chaos_protocol::without_quoted_values(error.inner())
                ),
            )
        })
    }

    /// Sends one request and waits at most `timeout` for its answer.
    async fn call_raw(&self, method: Method, params: &impl Serialize, timeout: Duration) -> Reply {
        if let Some(reason) = lock(&self.gone).clone() {
            return Err(BrokerFailure::new(FailureKind::Crashed, reason));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut line =
            serde_json::to_string(&Request::new(id, method, params)).map_err(|error| {
                BrokerFailure::new(
                    FailureKind::Other,
                    format!("cannot write `{method}` params: {error}"),
                )
            })?;
        line.push('\n');
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(id, (method, tx));
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
                // The call stays in `pending` (its waiter is gone): a late
                // answer must still be matched to its method, so that the
                // leak scan keeps out the token it carries, as it does for
                // an answer in time. A slow broker is not a leaking one.
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
        let _ = self
            .call_raw(Method::Shutdown, &serde_json::Map::new(), timeout)
            .await;
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
    let answer = serde_json::from_value::<ReceivedAnswer>(message.clone()).unwrap_or_default();
    let Some(id) = answer.id.as_ref().and_then(Value::as_u64) else {
        transcript.keep_answer(line);
        transcript.note(format!("answer without a numeric `id`: `{shown}`"));
        return;
    };
    let Some((method, waiter)) = lock(pending).remove(&id) else {
        transcript.keep_answer(line);
        transcript.note(format!("answer to unknown or timed-out id {id}"));
        return;
    };
    transcript.keep_answer(&scannable(method, &message).unwrap_or_else(|| line.to_owned()));
    let reply = if answer.jsonrpc.as_deref() != Some(JSONRPC) {
        Err(BrokerFailure::new(
            FailureKind::Protocol,
            "answer lacks `\"jsonrpc\": \"2.0\"`",
        ))
    } else if let Some(result) = answer.result {
        Ok(result)
    } else if let Some(error) = answer.error {
        Err(failure_from_error(error))
    } else {
        Err(BrokerFailure::new(
            FailureKind::Protocol,
            "answer has neither `result` nor `error`",
        ))
    };
    if waiter.send(reply).is_err() {
        transcript.note(format!("late answer to timed-out id {id} (`{method}`)"));
    }
}

/// An answer as the leak scan reads it: a token method's result (see
/// [`Method::answers_a_token`]) without its `access_token` field; `None`
/// when the line is kept as it came.
fn scannable(method: Method, message: &Value) -> Option<String> {
    if !method.answers_a_token() {
        return None;
    }
    let mut message = message.clone();
    let result = message.get_mut("result")?.as_object_mut()?;
    result.remove("access_token")?;
    Some(message.to_string())
}

/// Maps a JSON-RPC error object to a typed failure through `data.kind`
/// (and `-32601`, a missing capability).
fn failure_from_error(error: Value) -> BrokerFailure {
    let Ok(error) = serde_json::from_value::<RpcErrorObject>(error) else {
        return BrokerFailure::new(FailureKind::Other, "error without a message");
    };
    let kind = match error.kind() {
        Some(ErrorKind::Revoked) => FailureKind::Revoked,
        Some(ErrorKind::Transient) => FailureKind::Transient,
        Some(ErrorKind::Storage) => FailureKind::Storage,
        Some(ErrorKind::Unsupported) => FailureKind::Unsupported,
        _ if error.error_code() == Some(ErrorCode::MethodNotFound) => FailureKind::Unsupported,
        _ => FailureKind::Other,
    };
    BrokerFailure::new(kind, error.message)
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
