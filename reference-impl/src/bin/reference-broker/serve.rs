//! The loop: reads one request a line, answers each on its own task (so
//! answers may come out of order and concurrent `access_token` calls
//! exercise single flight), and writes every answer through one writer.

use crate::errors::RpcError;
use crate::session::Session;
use oauth_chaos_protocol::{Answer, ErrorCode, IncomingRequest, Method};
use serde_json::Value;
use std::sync::Arc;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

/// Serves requests from `input` until `shutdown` or end of input, writing
/// one answer line per request to `output`.
///
/// # Errors
///
/// Only when `output` cannot be written.
pub(crate) async fn serve(
    input: impl AsyncBufRead + Unpin,
    mut output: impl AsyncWrite + Unpin,
) -> std::io::Result<()> {
    let session = Arc::new(Session::default());
    let (answers, mut outbox) = mpsc::unbounded_channel::<String>();
    let mut lines = input.lines();
    let mut open = true;
    let mut in_flight = tokio::task::JoinSet::new();
    while open {
        tokio::select! {
            biased;
            Some(line) = outbox.recv() => write_line(&mut output, &line).await?,
            line = lines.next_line() => match line {
                Ok(Some(line)) if line.trim().is_empty() => {}
                Ok(Some(line)) => {
                    let request = match read_request(&line) {
                        Ok(request) => request,
                        Err(answer) => {
                            write_line(&mut output, &answer).await?;
                            continue;
                        }
                    };
                    let method = request.method.as_deref().and_then(Method::from_name);
                    if method == Some(Method::Initialize) {
                        // Answered before the next line is read, so no call
                        // can race the broker's construction.
                        if let Some(answer) = session.answer(request).await {
                            write_line(&mut output, &answer).await?;
                        }
                        continue;
                    }
                    if method == Some(Method::Shutdown) {
                        open = false;
                    }
                    let session = session.clone();
                    let answers = answers.clone();
                    in_flight.spawn(async move {
                        if let Some(answer) = session.answer(request).await {
                            let _ = answers.send(answer);
                        }
                    });
                }
                Ok(None) | Err(_) => open = false,
            },
        }
    }
    while in_flight.join_next().await.is_some() {}
    drop(answers);
    while let Some(line) = outbox.recv().await {
        write_line(&mut output, &line).await?;
    }
    Ok(())
}

/// The request on `line`, or the error answer to write instead: `-32700`
/// for a line that is not JSON, `-32600` for JSON that is not a request.
fn read_request(line: &str) -> Result<IncomingRequest, String> {
    let Ok(value) = serde_json::from_str::<Value>(line) else {
        let error = RpcError::new(ErrorCode::ParseError, "the line is not JSON");
        return Err(crate::errors::answer_line(Answer::<()>::error(
            Value::Null,
            error,
        )));
    };
    serde_json::from_value::<IncomingRequest>(value.clone()).map_err(|_| {
        // Its id, if it has one, so the caller can match the refusal.
        let id = value.get("id").cloned().unwrap_or(Value::Null);
        let error = RpcError::new(ErrorCode::InvalidRequest, "not a JSON-RPC 2.0 request");
        crate::errors::answer_line(Answer::<()>::error(id, error))
    })
}

async fn write_line(output: &mut (impl AsyncWrite + Unpin), line: &str) -> std::io::Result<()> {
    output.write_all(line.as_bytes()).await?;
    output.write_all(b"\n").await?;
    output.flush().await
}
