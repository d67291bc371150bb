use std::time::Duration;

use crate::support::{ACCESS_TOKEN, fixture, google_error, google_token, refresh_request};
use futures::future::join_all;
use reference_impl::ErrorKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_callers_on_a_stale_token_cause_exactly_one_refresh() {
    let f = fixture().await;
    refresh_request()
        .respond_with(google_token(ACCESS_TOKEN).set_delay(Duration::from_millis(200)))
        .expect(1)
        .mount(&f.server)
        .await;

    let callers = (0..1_000).map(|_| {
        let broker = f.broker.clone();
        tokio::spawn(async move { broker.access_token("alice").await })
    });
    for result in join_all(callers).await {
        assert_eq!(result.unwrap().unwrap().expose_secret(), ACCESS_TOKEN);
    }
    f.server.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_waiting_on_a_failed_refresh_share_its_retries_and_failure() {
    let f = fixture().await;
    // No token yet: emergency urgency, five attempts with backoff, then the failure.
    refresh_request()
        .respond_with(
            google_error(503, "backend_error", "Backend Error")
                .set_delay(Duration::from_millis(20)),
        )
        .expect(5)
        .mount(&f.server)
        .await;

    let callers = (0..200).map(|_| {
        let broker = f.broker.clone();
        tokio::spawn(async move { broker.access_token("alice").await })
    });
    for result in join_all(callers).await {
        assert_eq!(result.unwrap().unwrap_err().kind(), ErrorKind::Transient);
    }
    f.server.verify().await;
}
