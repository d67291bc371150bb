//! Malformed token endpoint answers: each a typed error, reflected in status, with no
//! secret in any message.

use reference_impl::{AccountState, BrokerError, ErrorKind, ProtocolProblem};
use wiremock::ResponseTemplate;

use crate::support::{ACCESS_TOKEN, CLIENT_SECRET, REFRESH_TOKEN, fixture, refresh_request};

/// Mounts `response`, asks for a token, and checks the error, status and redaction.
async fn rejected(response: ResponseTemplate) -> BrokerError {
    let f = fixture().await;
    refresh_request()
        .respond_with(response)
        .mount(&f.server)
        .await;
    let error = f.broker.access_token("alice").await.unwrap_err();
    let status = &f.broker.status()[0];
    assert_eq!(status.state, AccountState::Degraded, "{error}");
    assert_eq!(status.last_error, Some(error.kind()));
    let shown = format!("{error} {error:?} {status:?}");
    for secret in [ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET, "ya29", "1//"] {
        assert!(!shown.contains(secret), "`{secret}` leaked into {shown}");
    }
    error
}

fn json(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn problem(error: &BrokerError) -> &ProtocolProblem {
    match error {
        BrokerError::Protocol { problem, .. } => problem,
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_expires_in_is_rejected() {
    let error = rejected(json(
        serde_json::json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer"}),
    ))
    .await;
    assert_eq!(problem(&error), &ProtocolProblem::MissingExpiresIn);
}

#[tokio::test]
async fn a_string_typed_expires_in_is_rejected() {
    let error = rejected(json(serde_json::json!({"access_token": ACCESS_TOKEN, "expires_in": "3599", "token_type": "Bearer"}))).await;
    assert_eq!(problem(&error), &ProtocolProblem::ExpiresInNotANumber);
}

#[tokio::test]
async fn an_absurd_expires_in_is_rejected_whether_ten_years_negative_or_zero() {
    for seconds in [315_360_000_i64, -60, 0] {
        let error = rejected(json(serde_json::json!({"access_token": ACCESS_TOKEN, "expires_in": seconds, "token_type": "Bearer"}))).await;
        assert_eq!(
            problem(&error),
            &ProtocolProblem::ExpiresInOutOfRange { seconds }
        );
    }
}

#[tokio::test]
async fn a_non_json_body_is_rejected() {
    let error = rejected(
        ResponseTemplate::new(200).set_body_raw(format!("token={ACCESS_TOKEN}"), "text/plain"),
    )
    .await;
    assert_eq!(problem(&error), &ProtocolProblem::NotJson { status: 200 });
}

#[tokio::test]
async fn an_html_page_is_rejected() {
    let error = rejected(ResponseTemplate::new(200).set_body_raw(
        "<html><body>Sign in to the captive portal</body></html>",
        "text/html",
    ))
    .await;
    assert_eq!(problem(&error), &ProtocolProblem::HtmlPage { status: 200 });
}

#[tokio::test]
async fn a_200_carrying_an_error_field_is_not_accepted_even_with_a_token() {
    let error = rejected(json(serde_json::json!({
        "error": "invalid_grant", "access_token": ACCESS_TOKEN, "expires_in": 3599,
    })))
    .await;
    assert_eq!(
        problem(&error),
        &ProtocolProblem::ErrorInSuccess {
            error: "invalid_grant".into()
        }
    );
}

#[tokio::test]
async fn a_5xx_whose_body_looks_like_a_token_is_not_accepted() {
    let error = rejected(ResponseTemplate::new(502).set_body_json(serde_json::json!({
        "access_token": ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer",
    })))
    .await;
    assert!(matches!(
        error,
        BrokerError::ProviderUnavailable { status: 502, .. }
    ));
    assert_eq!(error.kind(), ErrorKind::Transient);
}

#[tokio::test]
async fn an_error_code_that_is_not_an_oauth_code_is_not_echoed() {
    let error = rejected(
        ResponseTemplate::new(400)
            .set_body_json(serde_json::json!({"error": format!("leak {ACCESS_TOKEN}")})),
    )
    .await;
    assert!(error.to_string().contains("<nonstandard>"), "{error}");
}
