//! `abort_tasks`: a broker going down without a drain leaves nothing running.

use std::time::Duration;

use crate::support::{ACCESS_TOKEN, fixture, google_token, refresh_request};
use reference_impl::{BrokerError, ErrorKind};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_aborted_at_the_provider_never_reaches_the_store() {
    let f = fixture().await;
    refresh_request()
        .respond_with(google_token(ACCESS_TOKEN).set_delay(Duration::from_millis(400)))
        .expect(1)
        .mount(&f.server)
        .await;
    let before = f.store.get("alice").expect("consented").version;
    let broker = f.broker.clone();
    let caller = tokio::spawn(async move { broker.access_token("alice").await });
    // Bounded wait until the refresh is at the provider.
    for _ in 0..200 {
        if !f
            .server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    f.broker.abort_tasks();

    let answer = caller.await.expect("the caller's task runs to its end");
    assert!(
        matches!(&answer, Err(BrokerError::RefreshAborted { .. })),
        "{answer:?}"
    );
    assert_eq!(answer.unwrap_err().kind(), ErrorKind::Transient);
    // The provider answers after the abort; nobody is left to keep it.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let stored = f.store.get("alice").expect("still consented");
    assert_eq!(stored.version, before, "the aborted refresh persisted");
    assert!(stored.access_token.is_none());
    f.server.verify().await;
}
