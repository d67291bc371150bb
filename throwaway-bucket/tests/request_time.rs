//! S3's 15-minute rule, judged on the server's clock: a real SigV4 client
//! (object_store, signing by this machine's clock) is refused once the
//! server's clock is an hour away, and served when it is ten minutes away.

use std::time::{Duration, SystemTime};

use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};
use throwaway_bucket::S3Server;

fn client(server: &S3Server) -> impl ObjectStore {
    let credentials = server.credentials();
    AmazonS3Builder::new()
        .with_bucket_name(server.bucket())
        .with_endpoint(server.endpoint())
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id(&credentials.access_key_id)
        .with_secret_access_key(&credentials.secret_access_key)
        .with_retry(object_store::RetryConfig {
            max_retries: 0,
            ..object_store::RetryConfig::default()
        })
        .build()
        .expect("an S3 client")
}

async fn put(server: &S3Server) -> object_store::Result<()> {
    client(server)
        .put(&Path::from("dated"), PutPayload::from_static(b"x"))
        .await
        .map(drop)
}

#[tokio::test]
async fn a_request_signed_an_hour_from_the_servers_clock_is_refused_as_s3_refuses_it() {
    let server = S3Server::start().await.expect("S3 test server starts");
    let ahead = Duration::from_secs(3600);
    server.clock().follow(move || SystemTime::now() + ahead);

    let error = put(&server)
        .await
        .expect_err("a request an hour off is refused");

    assert!(
        format!("{error}").contains("RequestTimeTooSkewed"),
        "S3's error code reaches the client: {error}"
    );
    assert!(
        server.write_log().writes().is_empty(),
        "nothing was written"
    );
}

#[tokio::test]
async fn a_server_clock_moved_with_the_clients_serves_them_and_dates_writes_by_it() {
    let server = S3Server::start().await.expect("S3 test server starts");
    let ahead = Duration::from_secs(600);
    server.clock().follow(move || SystemTime::now() + ahead);

    put(&server)
        .await
        .expect("ten minutes is inside S3's allowance");

    let writes = server.write_log().writes();
    assert_eq!(writes.len(), 1);
    assert!(writes[0].at > SystemTime::now() + Duration::from_secs(500));
}

#[tokio::test]
async fn answers_are_dated_by_the_servers_clock() {
    let server = S3Server::start().await.expect("S3 test server starts");
    let ahead = Duration::from_secs(3600);
    server.clock().follow(move || SystemTime::now() + ahead);

    let answer = reqwest::get(format!("{}/{}", server.endpoint(), server.bucket()))
        .await
        .expect("an answer, even to an unsigned request");

    let date = answer
        .headers()
        .get("date")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| httpdate::parse_http_date(value).ok())
        .expect("a Date header");
    assert!(
        date > SystemTime::now() + Duration::from_secs(3500),
        "{date:?}"
    );
}
