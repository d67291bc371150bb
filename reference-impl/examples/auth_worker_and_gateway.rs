//! The README's three examples ("The auth worker and the auth gateway"),
//! run against the mock provider over loopback: a service account's token,
//! a token relay and one of its consumers, and a verified Google sign-in.
//! `tests/readme_examples.rs` checks that every line of the README's Rust
//! snippets is in this file, so they stay the code that runs.
//!
//! ```text
//! cargo run -p reference-impl --example auth_worker_and_gateway
//! ```

use std::sync::Arc;

use mock_provider::MockProvider;
use reference_impl::{
    BrokerConfig, Clock, GoogleSignIn, HttpTransport, MemoryStore, RelayClient, RelayConfig,
    ReqwestTransport, ServiceAccountGrant, ServiceAccountKey, SignInConfig, SystemClock,
    TokenBroker, TokenRelay,
};
use secrecy::ExposeSecret;

type Error = Box<dyn std::error::Error + Send + Sync>;

const GMAIL_READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
const ROBOT: &str = "robot@project.iam.gserviceaccount.com";
const PRIVATE_KEY: &str = include_str!("../../mock-provider/tests/keys/service_account.pem");
const PUBLIC_KEY: &[u8] = include_bytes!("../../mock-provider/tests/keys/service_account.pub.pem");

/// Service accounts: the README's lines, with the key file in `dir`.
#[rustfmt::skip]
async fn service_account(broker: &TokenBroker, dir: &std::path::Path) -> Result<(), Error> {
    std::env::set_current_dir(dir)?;
    let key = ServiceAccountKey::from_file("robot.json")?;
    broker.add_service_account("alice-via-robot",
        ServiceAccountGrant::new(key, [GMAIL_READONLY]).acting_as("alice@example.com")).await;
    let token = broker.access_token("alice-via-robot").await?; // or access_token_scoped(.., &[..])
    println!("service account: a token of {} characters", token.expose_secret().len());
    Ok(())
}

/// The relay and one consumer: the README's lines.
#[rustfmt::skip]
async fn relay(
    broker: TokenBroker,
    clock: Arc<dyn Clock>,
    transport: Arc<dyn HttpTransport>,
) -> Result<(), Error> {
    let sync_worker_secret = "sync-worker-credential-0123456789abcdef";
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let relay_url = &format!("http://{}", listener.local_addr()?);
    let relay = TokenRelay::new(broker, RelayConfig::new()
        .role("reader", "alice", [GMAIL_READONLY])
        .consumer("sync-worker", sync_worker_secret, "reader"))?;
    let server = tokio::spawn(async move {
        axum::serve(listener, relay.router()).await?;
        Ok::<_, std::io::Error>(())
    });
    // in the worker:
    let token = RelayClient::new(relay_url, sync_worker_secret, clock, transport).token().await?;
    println!("relay: sync-worker got a token for {:?}", token.scopes);
    server.abort();
    Ok(())
}

/// Against Google's own endpoints (not run here: the mock stands in for
/// Google, through [`SignInConfig::new`]).
#[rustfmt::skip]
#[expect(dead_code, reason = "compiled to keep the README's line true; main uses the mock")]
fn for_google(
    client_id: &str,
    secret: &str,
    callback_url: &str,
    clock: Arc<dyn Clock>,
    transport: Arc<dyn HttpTransport>,
) -> Result<GoogleSignIn, Error> {
    let sign_in = GoogleSignIn::new(SignInConfig::google(client_id, secret, callback_url), clock, transport)?;
    Ok(sign_in)
}

/// Sign-in: the README's lines; the browser is a client that does not
/// follow redirects (the mock consents and redirects to the callback).
#[rustfmt::skip]
async fn sign_in(
    config: SignInConfig,
    clock: Arc<dyn Clock>,
    transport: Arc<dyn HttpTransport>,
) -> Result<(), Error> {
    let session_cookie = "browser-session-7".to_owned();
    let sign_in = GoogleSignIn::new(config, clock, transport)?;
    let url = sign_in.begin(&session_cookie);                 // redirect the browser there
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let answer = browser.get(&url).send().await?;
    let callback = answer.headers()["location"].to_str()?.to_owned();
    let who = sign_in.complete(&session_cookie, &callback).await?; // who.subject, who.email
    println!("sign-in: {} signed in", who.email);
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let provider = MockProvider::builder()
        .account("alice@example.com")
        .scopes([GMAIL_READONLY])
        .service_account(ROBOT, PUBLIC_KEY)?
        .start()
        .await;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let transport: Arc<dyn HttpTransport> = Arc::new(ReqwestTransport::new());
    let config = BrokerConfig::new(
        provider.token_url(),
        provider.client_id(),
        provider.client_secret().expose_secret(),
    );
    let broker = TokenBroker::new(
        config,
        clock.clone(),
        transport.clone(),
        Arc::new(MemoryStore::new()),
    )?;

    let dir = tempfile::tempdir()?;
    let key = serde_json::json!({
        "type": "service_account", "client_email": ROBOT,
        "private_key_id": "k1", "private_key": PRIVATE_KEY,
    });
    std::fs::write(dir.path().join("robot.json"), key.to_string())?;
    service_account(&broker, dir.path()).await?;

    let refresh_token = provider
        .refresh_token("alice@example.com")
        .ok_or("no grant")?;
    broker
        .add_account(
            "alice",
            reference_impl::RefreshToken::new(refresh_token.expose_secret()),
        )
        .await;
    relay(broker, clock.clone(), transport.clone()).await?;

    let config = SignInConfig::new(
        provider.issuer(),
        provider.authorize_url(),
        provider.token_url(),
        provider.jwks_url(),
        provider.client_id(),
        provider.client_secret().expose_secret(),
        provider.redirect_uri(),
    );
    sign_in(config, clock, transport).await
}
