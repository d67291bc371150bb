use std::time::Duration;

use crate::support::{fixture, google_error, google_token, refresh_request};
use reference_impl::{AccountState, BrokerError, ErrorKind, ProtocolProblem};
use wiremock::ResponseTemplate;

#[tokio::test]
async fn invalid_grant_marks_the_account_for_reauth_and_sends_nothing_more() {
    let f = fixture().await;
    refresh_request()
        .respond_with(google_error(
            400,
            "invalid_grant",
            "Token has been expired or revoked.",
        ))
        .expect(1)
        .mount(&f.server)
        .await;

    let first = f.broker.access_token("alice").await.unwrap_err();
    assert!(matches!(&first, BrokerError::Revoked { error, .. } if error == "invalid_grant"));
    for _ in 0..5 {
        let again = f.broker.access_token("alice").await.unwrap_err();
        assert_eq!(again.kind(), ErrorKind::Revoked);
    }
    let status = &f.broker.status()[0];
    assert_eq!(status.state, AccountState::NeedsReauth);
    assert_eq!(status.consecutive_failures, 1);
    f.server.verify().await;
}

#[tokio::test]
async fn invalid_client_and_unauthorized_client_are_revocations_too() {
    for error in ["invalid_client", "unauthorized_client"] {
        let f = fixture().await;
        refresh_request()
            .respond_with(google_error(401, error, "Unauthorized"))
            .mount(&f.server)
            .await;
        assert_eq!(
            f.broker.access_token("alice").await.unwrap_err().kind(),
            ErrorKind::Revoked,
            "{error}"
        );
    }
}

#[tokio::test]
async fn a_503_with_retry_after_is_transient_and_nothing_is_sent_before_it_elapses() {
    let f = fixture().await;
    refresh_request()
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("retry-after", "7")
                .set_body_string("<html>busy</html>"),
        )
        .up_to_n_times(1)
        .mount(&f.server)
        .await;
    refresh_request()
        .respond_with(google_token("ya29.after"))
        .mount(&f.server)
        .await;

    let error = f.broker.access_token("alice").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transient);
    assert!(matches!(
        error,
        BrokerError::ProviderUnavailable { status: 503, retry_after: Some(d), .. } if d == Duration::from_secs(7)
    ));
    assert_eq!(f.broker.status()[0].state, AccountState::Degraded);

    // Within the Retry-After window the caller gets the same failure, nothing is sent.
    f.clock.advance(Duration::from_secs(6));
    let again = f.broker.access_token("alice").await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Transient);
    assert_eq!(f.server.received_requests().await.unwrap().len(), 1);

    f.clock.advance(Duration::from_secs(1));
    assert_eq!(
        f.broker
            .access_token("alice")
            .await
            .unwrap()
            .expose_secret(),
        "ya29.after"
    );
    assert_eq!(f.broker.status()[0].consecutive_failures, 0);
    assert_eq!(f.server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_transient_failure_keeps_serving_the_unexpired_token() {
    let f = fixture().await;
    refresh_request()
        .respond_with(google_token("ya29.first"))
        .up_to_n_times(1)
        .mount(&f.server)
        .await;
    refresh_request()
        .respond_with(google_error(500, "internal_failure", ""))
        .mount(&f.server)
        .await;
    f.broker.access_token("alice").await.unwrap();

    f.clock.advance(Duration::from_secs(3400));
    assert_eq!(
        f.broker
            .access_token("alice")
            .await
            .unwrap()
            .expose_secret(),
        "ya29.first"
    );
    // Backed off: the next call within a second is served from cache without a request.
    assert_eq!(
        f.broker
            .access_token("alice")
            .await
            .unwrap()
            .expose_secret(),
        "ya29.first"
    );
    assert_eq!(f.server.received_requests().await.unwrap().len(), 2);
    assert_eq!(f.broker.status()[0].state, AccountState::Degraded);
}

#[tokio::test]
async fn a_success_without_expires_in_is_a_protocol_error() {
    let f = fixture().await;
    let body = serde_json::json!({ "access_token": "ya29.x", "token_type": "Bearer" });
    refresh_request()
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&f.server)
        .await;

    let error = f.broker.access_token("alice").await.unwrap_err();
    assert!(matches!(
        error,
        BrokerError::Protocol {
            problem: ProtocolProblem::MissingExpiresIn,
            ..
        }
    ));
}

#[tokio::test]
async fn garbage_from_the_token_endpoint_is_a_protocol_error() {
    let f = fixture().await;
    refresh_request()
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("ya29.leaked-token not json", "application/json"),
        )
        .mount(&f.server)
        .await;

    let error = f.broker.access_token("alice").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Protocol);
    assert!(!format!("{error} {error:?}").contains("ya29"));
}

#[tokio::test]
async fn an_unreachable_endpoint_is_transient() {
    let f = fixture().await;
    let config =
        reference_impl::BrokerConfig::new("http://127.0.0.1:9/token", "client-id", "secret");
    let broker = reference_impl::TokenBroker::new(
        config,
        f.clock.clone(),
        std::sync::Arc::new(reference_impl::ReqwestTransport::new()),
        f.store.clone(),
    )
    .unwrap();
    let error = broker.access_token("alice").await.unwrap_err();
    assert!(matches!(error, BrokerError::Transport { .. }), "{error:?}");
}
