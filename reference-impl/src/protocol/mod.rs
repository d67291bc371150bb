//! The reference broker as a process: JSON-RPC 2.0 over stdin/stdout, one
//! message per line, as the oauth-chaos harness speaks it (docs/PROTOCOL.md).
//!
//! `messages.rs` holds the error codes and answers, `params.rs` the params
//! of every method; `session.rs` routes each method to its family:
//! `initialize.rs` (level 1), `tokens.rs` (`access_token`, `status`),
//! `authorization.rs` (level 3), `mail.rs` and `gmail_request.rs` (level 4),
//! `sign_in.rs` (`sign_in_begin`, `sign_in_complete`) and `service_accounts.rs`
//! (`service_account_token`).
//! This file runs the loop: every request is answered on its own task, so answers may come out
//! of order and concurrent `access_token` calls exercise single flight.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let input: &[u8] = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"shutdown\"}\n";
//! let mut output = Vec::new();
//! reference_impl::protocol::serve(input, &mut output).await.unwrap();
//! assert!(String::from_utf8(output).unwrap().contains("\"id\":1"));
//! # }
//! ```

mod authorization;
mod gmail_request;
mod initialize;
mod mail;
mod messages;
mod params;
mod service_accounts;
mod session;
mod sign_in;
#[cfg(test)]
mod tests;
mod tokens;

pub use messages::{ErrorCode, RpcError};
pub use session::Session;

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
pub async fn serve(
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
                    let request: Value = match serde_json::from_str(&line) {
                        Ok(request) => request,
                        Err(_) => {
                            let error = RpcError::new(ErrorCode::ParseError, "the line is not JSON");
                            write_line(&mut output, &error.answer(&Value::Null)).await?;
                            continue;
                        }
                    };
                    let method = request.get("method").and_then(Value::as_str);
                    if method == Some("initialize") {
                        // Answered before the next line is read, so no call
                        // can race the broker's construction.
                        if let Some(answer) = session.answer(request).await {
                            write_line(&mut output, &answer).await?;
                        }
                        continue;
                    }
                    if method == Some("shutdown") {
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

async fn write_line(output: &mut (impl AsyncWrite + Unpin), line: &str) -> std::io::Result<()> {
    output.write_all(line.as_bytes()).await?;
    output.write_all(b"\n").await?;
    output.flush().await
}
