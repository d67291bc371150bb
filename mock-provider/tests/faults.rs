//! Faults mounted on the provider, over sockets and through `router()`.

use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use mock_provider::{Endpoint, Fault, MockProvider};
use secrecy::ExposeSecret;
use std::time::Duration;
use tower::ServiceExt;

fn refresh_body(provider: &MockProvider) -> String {
    let refresh = provider.refresh_token("alice@example.com").expect("seeded");
    let secret = provider.client_secret();
    serde_urlencoded::to_string([
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.expose_secret()),
        ("client_id", provider.client_id()),
        ("client_secret", secret.expose_secret()),
    ])
    .expect("form")
}

async fn refresh_in_memory(provider: &MockProvider) -> StatusCode {
    let request = Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(refresh_body(provider)))
        .expect("request");
    let response = provider
        .router()
        .oneshot(request)
        .await
        .expect("infallible");
    let status = response.status();
    let _ = response.into_body().collect().await;
    status
}

#[tokio::test]
async fn a_counted_fault_answers_the_first_n_requests_then_passes() {
    let provider = MockProvider::builder().build();
    let guard = provider.mount(
        Fault::on(Endpoint::Token)
            .respond(StatusCode::SERVICE_UNAVAILABLE, r#"{"error":"backend"}"#)
            .times(2),
    );
    assert_eq!(
        refresh_in_memory(&provider).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        refresh_in_memory(&provider).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(refresh_in_memory(&provider).await, StatusCode::OK);
    assert_eq!(guard.applied(), 2);
    let faults: Vec<_> = provider
        .journal()
        .entries()
        .into_iter()
        .map(|e| e.fault)
        .collect();
    assert_eq!(faults[0].as_deref(), Some("respond 503 on token"));
    assert_eq!(faults[2], None);
}

#[tokio::test]
async fn dropping_the_guard_unmounts_the_fault() {
    let provider = MockProvider::builder().build();
    let guard = provider.mount(Fault::on(Endpoint::Token).respond(StatusCode::BAD_GATEWAY, "{}"));
    assert_eq!(provider.mounted_faults(), 1);
    drop(guard);
    assert_eq!(provider.mounted_faults(), 0);
    assert_eq!(refresh_in_memory(&provider).await, StatusCode::OK);
}

#[tokio::test]
async fn kept_faults_stay_mounted() {
    let provider = MockProvider::builder().build();
    provider
        .mount(Fault::on(Endpoint::Token).respond(StatusCode::BAD_GATEWAY, "{}"))
        .keep();
    assert_eq!(refresh_in_memory(&provider).await, StatusCode::BAD_GATEWAY);
}

#[tokio::test]
async fn a_fault_for_another_account_does_not_apply() {
    let provider = MockProvider::builder().build();
    let _guard = provider.mount(
        Fault::on(Endpoint::Token)
            .account("bob@example.com")
            .respond(StatusCode::INTERNAL_SERVER_ERROR, "{}"),
    );
    assert_eq!(refresh_in_memory(&provider).await, StatusCode::OK);
}

#[tokio::test(start_paused = true)]
async fn a_delay_fault_holds_the_request_in_provider_time() {
    let provider = MockProvider::builder().build();
    let _guard = provider.mount(Fault::on(Endpoint::Token).delay(Duration::from_millis(250)));
    let before = tokio::time::Instant::now();
    assert_eq!(refresh_in_memory(&provider).await, StatusCode::OK);
    assert!(tokio::time::Instant::now() - before >= Duration::from_millis(250));
}

#[tokio::test]
async fn a_fault_applies_over_a_real_socket_too() {
    let provider = MockProvider::start().await;
    let _guard = provider.mount(
        Fault::on(Endpoint::Token)
            .respond(StatusCode::SERVICE_UNAVAILABLE, "{}")
            .times(1),
    );
    let response = reqwest::Client::new()
        .post(provider.token_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(refresh_body(&provider))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status().as_u16(), 503);
}

#[tokio::test(start_paused = true)]
async fn delays_stack_with_each_other_and_with_the_next_fault_that_answers() {
    let provider = MockProvider::builder().build();
    let _slow = provider.mount(Fault::on(Endpoint::Token).delay(Duration::from_secs(2)));
    let _slower = provider.mount(Fault::on_any().delay(Duration::from_secs(3)));
    let _down = provider.mount(
        Fault::on(Endpoint::Token)
            .respond(StatusCode::SERVICE_UNAVAILABLE, r#"{"error":"backend"}"#)
            .times(1),
    );
    let _never = provider.mount(Fault::on(Endpoint::Token).reset());
    let started = tokio::time::Instant::now();
    assert_eq!(
        refresh_in_memory(&provider).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "the 503 still applies behind the delays"
    );
    assert_eq!(started.elapsed(), Duration::from_secs(5), "2s + 3s");
    let entry = provider.journal().entries().pop().expect("journaled");
    assert_eq!(entry.fault_labels().count(), 3);
    let label = entry.fault.expect("labelled");
    assert!(
        label.starts_with("delay 2000ms")
            && label.contains(" + delay 3000ms")
            && label.contains("503"),
        "{label}"
    );
    assert!(
        !label.contains("reset"),
        "asking stops at the first answer: {label}"
    );
}
