//! The ceiling for `scripts/loadtest.sh`: a bare axum server whose
//! `POST /token` reads the form body and answers a fixed token response
//! with Google's headers. Whatever the mock provider does beyond this
//! (inspection, faults, the journal, the token model) is what its
//! loopback figure pays for; the ratio of the two is the target of issue 15.
//!
//! ```sh
//! cargo run --release -p mock-provider --example fixed_json_ceiling -- 0   # prints its URI
//! ```

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use std::io::Write;

const BODY: &str = r#"{"access_token":"ya29.a0fixedfixedfixedfixedfixedfixedfixedfixedfixedfixedfixedfixedfixedfixedfixedfixedfixedfixedfixedfixedfixedfixed","expires_in":3599,"scope":"https://www.googleapis.com/auth/gmail.readonly","token_type":"Bearer"}"#;

async fn token(_form: Bytes) -> ([(&'static str, &'static str); 3], &'static str) {
    (
        [
            (
                "cache-control",
                "no-cache, no-store, max-age=0, must-revalidate",
            ),
            ("pragma", "no-cache"),
            ("content-type", "application/json; charset=utf-8"),
        ],
        BODY,
    )
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("http://{}", listener.local_addr()?);
    std::io::stdout().flush()?;
    axum::serve(listener, Router::new().route("/token", post(token))).await
}
