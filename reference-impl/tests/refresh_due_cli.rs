//! `reference-broker refresh-due`, run as a real process against a wiremock
//! token endpoint, a SQLite store and a real S3-compatible bucket: its health
//! lines and its exit codes (0 all fresh, 3 refresh failures, 4 store failures).

use std::process::Output;
use std::time::{Duration, SystemTime};

use reference_impl::{AccessToken, Keyring, RefreshToken, StoreSpec, StoredGrant, TokenStore};
use throwaway_bucket::S3Server;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BIN: &str = env!("CARGO_BIN_EXE_reference-broker");

/// Stores alice with a token expiring in `left`.
async fn seed(spec: &StoreSpec, keys: &str, left: Duration) {
    let store = spec
        .open(Keyring::parse(keys).expect("keys"))
        .await
        .expect("open");
    let grant = StoredGrant {
        access_token: Some(AccessToken::new("ya29.old")),
        expires_at: Some(SystemTime::now() + left),
        ..StoredGrant::new(1, RefreshToken::new("1//alice"))
    };
    let _ = store
        .compare_and_swap("alice", None, grant)
        .await
        .expect("seed");
}

async fn token_endpoint(status: u16, body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

fn ok_body() -> serde_json::Value {
    serde_json::json!({"access_token": "ya29.cron", "expires_in": 3599, "token_type": "Bearer"})
}

async fn run(spec: &str, keys: &str, token: &MockServer, env: &[(&'static str, String)]) -> Output {
    let mut command = tokio::process::Command::new(BIN);
    command
        .args([
            "refresh-due",
            "--store",
            spec,
            "--within",
            "10m",
            "--client-id",
            "cron",
        ])
        .arg("--token-url")
        .arg(format!("{}/token", token.uri()))
        .env("OAUTH_CHAOS_STORE_KEYS", keys)
        .env("OAUTH_CHAOS_CLIENT_SECRET", "GOCSPX-cron-secret");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().await.expect("runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_token_is_refreshed_and_the_pass_exits_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = format!("sqlite:{}", dir.path().join("tokens.db").display());
    let keys = Keyring::generate_entry("cron");
    seed(
        &spec.parse().expect("spec"),
        &keys,
        Duration::from_secs(120),
    )
    .await;
    let token = token_endpoint(200, ok_body()).await;

    let output = run(&spec, &keys, &token, &[]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.starts_with("account=alice state=ok refreshed=true"),
        "{stdout}"
    );
    assert!(!stdout.contains("ya29") && !String::from_utf8_lossy(&output.stderr).contains("ya29"));

    // A second pass finds it fresh and sends nothing.
    let again = run(&spec, &keys, &token, &[]).await;
    assert_eq!(again.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&again.stdout).contains("refreshed=false"));
    assert_eq!(token.received_requests().await.expect("recorded").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_exits_three() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = format!("file:{}", dir.path().display());
    let keys = Keyring::generate_entry("cron");
    seed(&spec.parse().expect("spec"), &keys, Duration::from_secs(60)).await;
    let token = token_endpoint(400, serde_json::json!({"error": "invalid_grant"})).await;

    let output = run(&spec, &keys, &token, &[]).await;
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stdout).contains("error=revoked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_a_bucket_it_refreshes_and_a_bucket_outage_exits_four() {
    let server = S3Server::start().await.expect("S3 server");
    let spec = server.store_spec("cron");
    let keys = Keyring::generate_entry("cron");
    // The test seeds through an explicit client (setting this process's
    // environment is unsafe); the process gets the credentials in its own.
    let parsed: StoreSpec = spec.parse().expect("spec");
    let store = reference_impl::BucketStore::new(
        seed_client(&server),
        "cron",
        Keyring::parse(&keys).expect("keys"),
    );
    let grant = StoredGrant {
        access_token: Some(AccessToken::new("ya29.old")),
        expires_at: Some(SystemTime::now() + Duration::from_secs(30)),
        ..StoredGrant::new(1, RefreshToken::new("1//alice"))
    };
    let _ = store
        .compare_and_swap("alice", None, grant)
        .await
        .expect("seed");
    assert!(matches!(parsed, StoreSpec::Bucket(_)));
    let token = token_endpoint(200, ok_body()).await;

    let output = run(&spec, &keys, &token, &server.env()).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        store
            .load("alice")
            .await
            .expect("load")
            .expect("stored")
            .version,
        2
    );

    let _outage = server.faults().outage();
    let output = run(&spec, &keys, &token, &server.env()).await;
    assert_eq!(
        output.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

fn seed_client(server: &S3Server) -> std::sync::Arc<dyn object_store::ObjectStore> {
    let credentials = server.credentials();
    std::sync::Arc::new(
        object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(server.bucket())
            .with_endpoint(server.endpoint())
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id(&credentials.access_key_id)
            .with_secret_access_key(&credentials.secret_access_key)
            .build()
            .expect("S3 client"),
    )
}
