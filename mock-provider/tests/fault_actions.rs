//! Every fault action, over real sockets and in memory through `router()`.

#[expect(dead_code, reason = "this file uses a subset of the shared helpers")]
mod common;

use common::{ALICE, refresh_body, refresh_request, send};
use http::StatusCode;
use mock_provider::{Endpoint, Fault, MockProvider};
use std::time::{Duration, UNIX_EPOCH};

async fn refresh_over_socket(
    provider: &MockProvider,
    timeout: Duration,
) -> Result<reqwest::Response, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .expect("client")
        .post(provider.token_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(refresh_body(provider, ALICE))
        .send()
        .await
}

fn last_entry(provider: &MockProvider) -> mock_provider::JournalEntry {
    provider.journal().entries().pop().expect("journaled")
}

#[tokio::test]
async fn reset_drops_the_connection_over_a_socket_without_issuing_a_token() {
    let provider = MockProvider::start().await;
    let _reset = provider.mount(Fault::on(Endpoint::Token).reset());
    let error = refresh_over_socket(&provider, Duration::from_secs(5))
        .await
        .expect_err("no response");
    assert!(!error.is_timeout(), "a reset is not a timeout: {error}");
    let entry = last_entry(&provider);
    assert_eq!(entry.status, 0);
    assert_eq!(entry.fault.as_deref(), Some("reset on token"));
    assert!(entry.issued.is_none());
}

#[tokio::test]
async fn reset_fails_the_body_in_memory_without_issuing_a_token() {
    let provider = MockProvider::builder().build();
    let _reset = provider.mount(Fault::on(Endpoint::Token).reset());
    let answer = send(&provider, refresh_request(&provider, ALICE)).await;
    assert!(answer.body.is_err(), "the body must fail like a reset");
    assert!(last_entry(&provider).issued.is_none());
    assert_eq!(last_entry(&provider).status, 0);
}

#[tokio::test]
async fn ack_lost_issues_the_token_but_drops_the_answer_over_a_socket() {
    let provider = MockProvider::start().await;
    let _lost = provider.mount(Fault::on(Endpoint::Token).ack_lost().times(1));
    let error = refresh_over_socket(&provider, Duration::from_secs(5))
        .await
        .expect_err("no response");
    assert!(!error.is_timeout(), "{error}");
    let entry = last_entry(&provider);
    assert_eq!(entry.status, 0);
    assert!(
        entry.issued.is_some(),
        "the handler ran and its effects stay"
    );
    let retry = refresh_over_socket(&provider, Duration::from_secs(5))
        .await
        .expect("the next request is answered");
    assert_eq!(retry.status().as_u16(), 200);
}

#[tokio::test]
async fn ack_lost_issues_the_token_but_fails_the_body_in_memory() {
    let provider = MockProvider::builder().build();
    let _lost = provider.mount(Fault::on(Endpoint::Token).ack_lost());
    let answer = send(&provider, refresh_request(&provider, ALICE)).await;
    assert!(answer.body.is_err());
    let entry = last_entry(&provider);
    assert_eq!(
        (entry.status, entry.fault.as_deref()),
        (0, Some("ack-lost on token"))
    );
    assert!(entry.issued.is_some());
}

#[tokio::test]
async fn hang_never_answers_over_a_socket_so_the_client_times_out() {
    let provider = MockProvider::start().await;
    let _hang = provider.mount(Fault::on(Endpoint::Token).hang());
    let error = refresh_over_socket(&provider, Duration::from_millis(300))
        .await
        .expect_err("no response");
    assert!(error.is_timeout(), "{error}");
    assert_eq!(last_entry(&provider).status, 0);
}

#[tokio::test(start_paused = true)]
async fn hang_never_completes_in_memory_so_a_tokio_timeout_fires() {
    let provider = MockProvider::builder().build();
    let _hang = provider.mount(Fault::on(Endpoint::Token).hang());
    let outcome = tokio::time::timeout(
        Duration::from_secs(30),
        send(&provider, refresh_request(&provider, ALICE)),
    )
    .await;
    assert!(outcome.is_err(), "the request must still be pending");
    assert_eq!(
        last_entry(&provider).fault.as_deref(),
        Some("hang on token")
    );
}

#[tokio::test(start_paused = true)]
async fn uniform_and_log_normal_delays_replay_identically_for_one_seed() {
    async fn delays(seed: u64) -> Vec<Duration> {
        let provider = MockProvider::builder().seed(seed).build();
        let _uniform = provider.mount(
            Fault::on(Endpoint::Token)
                .delay_uniform(Duration::from_millis(10), Duration::from_millis(500))
                .every(2),
        );
        let _tail = provider
            .mount(Fault::on(Endpoint::Token).delay_log_normal(Duration::from_millis(100), 0.8));
        let mut taken = Vec::new();
        for _ in 0..6 {
            let before = tokio::time::Instant::now();
            let answer = send(&provider, refresh_request(&provider, ALICE)).await;
            assert_eq!(answer.status, StatusCode::OK);
            taken.push(tokio::time::Instant::now() - before);
        }
        taken
    }
    let first = delays(11).await;
    assert_eq!(first, delays(11).await);
    assert_ne!(first, delays(12).await);
    assert!(first.iter().all(|d| *d > Duration::ZERO));
}

#[tokio::test]
async fn every_nth_applies_to_the_nth_matching_request_only() {
    let provider = MockProvider::builder().build();
    let _every = provider.mount(Fault::on(Endpoint::Token).server_error(500).every(3));
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            send(&provider, refresh_request(&provider, ALICE))
                .await
                .status
                .as_u16(),
        );
    }
    assert_eq!(statuses, [200, 200, 500, 200, 200, 500]);
}

#[tokio::test]
async fn a_seeded_probability_applies_to_some_requests_and_replays() {
    async fn statuses(seed: u64) -> Vec<u16> {
        let provider = MockProvider::builder().seed(seed).build();
        let _coin = provider.mount(
            Fault::on(Endpoint::Token)
                .server_error(503)
                .probability(0.5),
        );
        let mut statuses = Vec::new();
        for _ in 0..40 {
            statuses.push(
                send(&provider, refresh_request(&provider, ALICE))
                    .await
                    .status
                    .as_u16(),
            );
        }
        statuses
    }
    let first = statuses(3).await;
    assert_eq!(first, statuses(3).await);
    assert!(first.contains(&503) && first.contains(&200), "{first:?}");
}

#[tokio::test]
async fn method_client_and_time_window_narrow_a_fault() {
    let provider = MockProvider::builder().build();
    let now = provider.now();
    let _wrong_method = provider.mount(Fault::on(Endpoint::Token).method("GET").server_error(500));
    let _other_client = provider.mount(Fault::on_any().client("someone-else").server_error(502));
    let _past = provider.mount(
        Fault::on(Endpoint::Token)
            .during(UNIX_EPOCH, now - Duration::from_secs(60))
            .server_error(503),
    );
    assert_eq!(
        send(&provider, refresh_request(&provider, ALICE))
            .await
            .status,
        StatusCode::OK
    );
    let _now = provider.mount(
        Fault::on(Endpoint::Token)
            .from_time(now - Duration::from_secs(1))
            .client(provider.client_id())
            .method("post")
            .server_error(504),
    );
    assert_eq!(
        send(&provider, refresh_request(&provider, ALICE))
            .await
            .status
            .as_u16(),
        504
    );
}

#[tokio::test]
async fn built_in_faults_have_google_shaped_bodies_and_headers() {
    let provider = MockProvider::builder().build();
    let token = |fault: Fault| provider.mount(fault.times(1));

    let _a = token(Fault::on(Endpoint::Token).server_error(503));
    let answer = send(&provider, refresh_request(&provider, ALICE)).await;
    assert_eq!(answer.status.as_u16(), 503);
    assert_eq!(answer.json()["error"], "internal_failure");

    let _b = token(Fault::on(Endpoint::Token).rate_limited(Duration::from_secs(7)));
    let answer = send(&provider, refresh_request(&provider, ALICE)).await;
    assert_eq!(answer.status.as_u16(), 429);
    assert_eq!(answer.headers["retry-after"], "7");

    let _c = token(Fault::on(Endpoint::Token).truncated_json());
    let answer = send(&provider, refresh_request(&provider, ALICE)).await;
    assert!(serde_json::from_slice::<serde_json::Value>(answer.body.as_ref().unwrap()).is_err());

    let _d = token(Fault::on(Endpoint::Token).html_error_page(502));
    let answer = send(&provider, refresh_request(&provider, ALICE)).await;
    assert!(
        answer.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(answer.text().contains("502."));

    let _e = token(Fault::on(Endpoint::Token).wrong_content_type());
    let answer = send(&provider, refresh_request(&provider, ALICE)).await;
    assert_eq!(answer.headers["content-type"], "text/plain");

    let _f = token(Fault::on(Endpoint::Token).token_shaped_server_error());
    let answer = send(&provider, refresh_request(&provider, ALICE)).await;
    assert_eq!(answer.status.as_u16(), 503);
    assert!(answer.json()["access_token"].is_string());
}

#[tokio::test]
async fn gmail_built_ins_use_the_google_api_envelope() {
    let provider = MockProvider::builder().build();
    let token = common::access_token(&provider, ALICE).await;
    let path = "/gmail/v1/users/me/profile";
    let _backend = provider.mount(Fault::on(Endpoint::GmailProfile).server_error(500).times(1));
    let answer = send(&provider, common::get(path, &token)).await;
    assert_eq!(
        answer.json()["error"]["errors"][0]["reason"],
        "backendError"
    );

    let retry_at = UNIX_EPOCH + Duration::from_secs(1_678_212_195);
    let _user = provider.mount(
        Fault::on(Endpoint::GmailProfile)
            .user_rate_limit_until(retry_at)
            .times(1),
    );
    let answer = send(&provider, common::get(path, &token)).await;
    assert_eq!(answer.status.as_u16(), 429);
    assert!(answer.headers.get("retry-after").is_none());
    assert_eq!(
        answer.json()["error"]["message"],
        "User-rate limit exceeded.  Retry after 2023-03-07T18:03:15.000Z"
    );
    assert_eq!(answer.json()["error"]["status"], "RESOURCE_EXHAUSTED");
}
