//! The ceiling of the loopback comparison: a bare axum server that answers
//! the three compared routes with fixed JSON and does nothing else.
//!
//! `benches/loopback/compare.sh` hands it the bodies the oauth-chaos mock
//! answered, so both send the same bytes; what separates them is the
//! mock's own work. It reads (and discards) the form body of `POST /token`,
//! as any token endpoint must.
//!
//! ```text
//! fixed-json-ceiling --port 0 --token token.json --discovery discovery.json --jwks jwks.json
//! ```
//!
//! The URI it serves on is printed on stdout (`http://127.0.0.1:PORT`).

use std::path::PathBuf;

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use clap::Parser;

/// Fixed JSON on the token, discovery and JWKS routes of the mock provider.
#[derive(Debug, Parser)]
#[command(name = "fixed-json-ceiling")]
struct Args {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Body of `POST /token`.
    #[arg(long)]
    token: Option<PathBuf>,
    /// Body of `GET /.well-known/openid-configuration`.
    #[arg(long)]
    discovery: Option<PathBuf>,
    /// Body of `GET /oauth2/v3/certs`.
    #[arg(long)]
    jwks: Option<PathBuf>,
}

fn body(path: Option<&PathBuf>, default: &'static str) -> anyhow::Result<Bytes> {
    match path {
        Some(path) => std::fs::read(path)
            .map(Bytes::from)
            .with_context(|| format!("reading `{}`", path.display())),
        None => Ok(Bytes::from_static(default.as_bytes())),
    }
}

fn json(body: Bytes) -> impl IntoResponse {
    (
        [(
            http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )],
        body,
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let token = body(
        args.token.as_ref(),
        r#"{"access_token":"ya29.ceiling","expires_in":3599,"token_type":"Bearer"}"#,
    )?;
    let discovery = body(args.discovery.as_ref(), r#"{"issuer":"http://127.0.0.1"}"#)?;
    let jwks = body(args.jwks.as_ref(), r#"{"keys":[]}"#)?;
    let router = Router::new()
        .route(
            "/token",
            post(move |form: Bytes| {
                let token = token.clone();
                async move {
                    drop(form);
                    json(token)
                }
            }),
        )
        .route(
            "/.well-known/openid-configuration",
            get(move || async move { json(discovery.clone()) }),
        )
        .route(
            "/oauth2/v3/certs",
            get(move || async move { json(jwks.clone()) }),
        );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .with_context(|| format!("binding 127.0.0.1:{}", args.port))?;
    println!("http://{}", listener.local_addr()?);
    axum::serve(listener, router).await?;
    Ok(())
}
