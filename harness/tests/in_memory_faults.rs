//! Connection-level faults decided in the mock reach a broker's transport as
//! the same errors in memory as over sockets.

use harness::sim::InMemoryTransport;
use mock_provider::{Endpoint, Fault, MockProvider};
use reference_impl::{HttpTransport, TransportError};
use secrecy::ExposeSecret;
use std::time::Duration;

fn refresh_request(provider: &MockProvider) -> http::Request<Vec<u8>> {
    let refresh = provider.refresh_token("alice@example.com").expect("seeded");
    let secret = provider.client_secret();
    let form = serde_urlencoded::to_string([
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.expose_secret()),
        ("client_id", provider.client_id()),
        ("client_secret", secret.expose_secret()),
    ])
    .expect("form");
    http::Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.into_bytes())
        .expect("request")
}

#[tokio::test]
async fn a_reset_fault_is_a_connection_reset_through_the_in_memory_transport() {
    let provider = MockProvider::builder().build();
    let transport = InMemoryTransport::new(provider.router());
    let _reset = provider.mount(Fault::on(Endpoint::Token).reset());
    let outcome = transport.send(refresh_request(&provider)).await;
    assert!(matches!(
        outcome,
        Err(TransportError::ConnectionReset { .. })
    ));
}

#[tokio::test]
async fn an_ack_lost_fault_is_a_connection_reset_after_the_token_was_issued() {
    let provider = MockProvider::builder().build();
    let transport = InMemoryTransport::new(provider.router());
    let _lost = provider.mount(Fault::on(Endpoint::Token).ack_lost());
    let outcome = transport.send(refresh_request(&provider)).await;
    assert!(matches!(
        outcome,
        Err(TransportError::ConnectionReset { .. })
    ));
    let entry = provider.journal().entries().pop().expect("journaled");
    assert!(entry.issued.is_some());
}

#[tokio::test(start_paused = true)]
async fn a_hang_fault_never_completes_so_a_tokio_timeout_fires() {
    let provider = MockProvider::builder().build();
    let transport = InMemoryTransport::new(provider.router());
    let _hang = provider.mount(Fault::on(Endpoint::Token).hang());
    let outcome = tokio::time::timeout(
        Duration::from_secs(30),
        transport.send(refresh_request(&provider)),
    )
    .await;
    assert!(outcome.is_err());
}

#[tokio::test(start_paused = true)]
async fn a_delay_past_the_transport_timeout_times_out_and_is_journaled_as_abandoned() {
    let time =
        harness::sim::SimTime::new(std::time::UNIX_EPOCH + Duration::from_secs(1_767_225_600));
    let provider = MockProvider::builder()
        .clock(std::sync::Arc::new(time.clock()))
        .build();
    let transport = InMemoryTransport::new(provider.router()).with_timeout(Duration::from_secs(30));
    let slow = provider.mount(Fault::on(Endpoint::Token).delay(Duration::from_secs(45)));
    let outcome = transport.send(refresh_request(&provider)).await;
    assert!(
        matches!(outcome, Err(TransportError::Timeout)),
        "{outcome:?}"
    );
    let entry = provider.journal().entries().pop().expect("journaled");
    assert_eq!(entry.status, 0, "no answer went out");
    assert!(entry.issued.is_none(), "the handler never ran");
    assert!(entry.fault.is_some());
    let waited = entry
        .finished_at
        .duration_since(entry.started_at)
        .expect("ordered");
    assert_eq!(
        waited,
        Duration::from_secs(30),
        "abandoned at the client's timeout"
    );
    drop(slow);
    // The grant was not touched: the same refresh token still works.
    let response = transport
        .send(refresh_request(&provider))
        .await
        .expect("answered");
    assert_eq!(response.status(), 200);
}

#[tokio::test(start_paused = true)]
async fn a_delay_under_the_transport_timeout_is_answered() {
    let provider = MockProvider::builder().build();
    let transport = InMemoryTransport::new(provider.router()).with_timeout(Duration::from_secs(30));
    let _slow = provider.mount(Fault::on(Endpoint::Token).delay(Duration::from_secs(25)));
    let response = transport
        .send(refresh_request(&provider))
        .await
        .expect("answered within the timeout");
    assert_eq!(response.status(), 200);
    assert_eq!(
        provider
            .journal()
            .entries()
            .pop()
            .expect("journaled")
            .status,
        200
    );
}
