//! Sync engine under rate limits, server errors, rejected tokens, revocation and
//! malformed responses: each either converges or stops with a typed error that keeps
//! everything stored and leaves the cursor where it was.

#[expect(
    dead_code,
    reason = "shared support; each test binary uses a part of it"
)]
mod support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use reference_impl::{
    GmailEndpoint, Location, MailboxStore, MemoryMailbox, SyncConfig, SyncError, SyncMode,
};
use support::fake_gmail::state::{Corruption, Endpoint, Fault};
use support::fake_gmail::{FakeGmail, FakeTokens, GMAIL_BASE, InMemoryGmail};
use support::{ACCOUNT, FixedClock, engine};

async fn assert_mailbox_matches(store: &MemoryMailbox, gmail: &FakeGmail) {
    assert_eq!(store.messages(ACCOUNT).await.unwrap(), gmail.snapshot());
}

#[tokio::test(start_paused = true)]
async fn a_storm_of_429s_is_waited_out_honouring_retry_after() {
    let gmail = FakeGmail::with_messages(10, 15);
    gmail.fail_next(
        Endpoint::Get,
        Fault::TooManyRequests {
            retry_after: Some(9),
        },
        3,
    );
    gmail.fail_next(
        Endpoint::List,
        Fault::TooManyRequests { retry_after: None },
        2,
    );
    gmail.fail_next(Endpoint::Any, Fault::RateLimited403, 2);
    gmail.fail_next(Endpoint::Get, Fault::ServerError, 2);
    let store = MemoryMailbox::new();
    let started = tokio::time::Instant::now();
    engine(&gmail, Arc::new(store.clone()))
        .sync(ACCOUNT)
        .await
        .unwrap();
    // Paused tokio time: this measures the waits the engine asked for, not wall time.
    assert!(
        started.elapsed() >= Duration::from_secs(9),
        "waited at least one Retry-After: 9"
    );
    assert_mailbox_matches(&store, &gmail).await;
}

#[tokio::test(start_paused = true)]
async fn gmails_message_only_retry_time_is_honoured() {
    let gmail = FakeGmail::with_messages(11, 3);
    gmail.fail_next(
        Endpoint::Profile,
        Fault::TooManyRequestsMessageOnly { in_secs: 40 },
        1,
    );
    let store = MemoryMailbox::new();
    let started = tokio::time::Instant::now();
    engine(&gmail, Arc::new(store.clone()))
        .sync(ACCOUNT)
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(40));
    assert_mailbox_matches(&store, &gmail).await;
}

#[tokio::test(start_paused = true)]
async fn endless_rate_limiting_stops_with_a_typed_error_and_keeps_the_cursor() {
    let gmail = FakeGmail::with_messages(12, 8);
    let store = MemoryMailbox::new();
    let engine = engine(&gmail, Arc::new(store.clone()));
    engine.sync(ACCOUNT).await.unwrap();
    let cursor = store.cursor(ACCOUNT).await.unwrap();
    gmail.add_message(&["INBOX"]);
    gmail.fail_next(
        Endpoint::History,
        Fault::TooManyRequests {
            retry_after: Some(1),
        },
        100,
    );
    let error = engine.sync(ACCOUNT).await.unwrap_err();
    assert!(
        matches!(
            error,
            SyncError::RetriesExhausted {
                endpoint: GmailEndpoint::History,
                status: 429,
                attempts: 6,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(store.cursor(ACCOUNT).await.unwrap(), cursor);
    assert_eq!(store.messages(ACCOUNT).await.unwrap().len(), 8);
}

#[tokio::test(start_paused = true)]
async fn a_401_gets_exactly_one_forced_refresh_and_the_sync_goes_on() {
    let gmail = FakeGmail::with_messages(13, 6);
    gmail.fail_next(Endpoint::Get, Fault::Unauthorized, 1);
    let tokens = FakeTokens::new(&gmail);
    let store = MemoryMailbox::new();
    let engine = reference_impl::SyncEngine::new(
        support::small_config("worker-1"),
        Arc::new(FixedClock),
        Arc::new(InMemoryGmail::new(&gmail)),
        Arc::new(tokens.clone()),
        Arc::new(store.clone()),
    )
    .unwrap();
    engine.sync(ACCOUNT).await.unwrap();
    assert_eq!(tokens.forced_refreshes.load(Ordering::SeqCst), 1);
    assert_mailbox_matches(&store, &gmail).await;
}

#[tokio::test(start_paused = true)]
async fn a_second_401_after_the_forced_refresh_is_reported_not_retried_forever() {
    let gmail = FakeGmail::with_messages(14, 2);
    gmail.fail_next(Endpoint::Profile, Fault::Unauthorized, 2);
    let error = engine(&gmail, Arc::new(MemoryMailbox::new()))
        .sync(ACCOUNT)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            SyncError::Unauthorized {
                endpoint: GmailEndpoint::Profile,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn revocation_mid_sync_reports_needs_reauth_and_keeps_what_was_stored() {
    let gmail = FakeGmail::with_messages(15, 20);
    let store = MemoryMailbox::new();
    let engine = engine(&gmail, Arc::new(store.clone()));
    engine.sync(ACCOUNT).await.unwrap();
    let before = store.messages(ACCOUNT).await.unwrap();
    let cursor = store.cursor(ACCOUNT).await.unwrap();
    for _ in 0..5 {
        gmail.add_message(&["INBOX"]);
    }
    let next = gmail.requests() + 2;
    gmail.at_request(next, |state| state.revoked = true);
    let error = engine.sync(ACCOUNT).await.unwrap_err();
    assert!(matches!(error, SyncError::NeedsReauth { .. }), "{error:?}");
    assert_eq!(store.messages(ACCOUNT).await.unwrap(), before);
    assert_eq!(store.cursor(ACCOUNT).await.unwrap(), cursor);
    // Once the user re-consents, the next sync catches up.
    gmail.lock_revoked(false);
    engine.sync(ACCOUNT).await.unwrap();
    assert_mailbox_matches(&store, &gmail).await;
}

/// Runs a partial sync whose `endpoint` answer is replaced by `body`; returns its error.
async fn partial_sync_with_body(endpoint: Endpoint, body: &str) -> (SyncError, String) {
    let gmail = FakeGmail::with_messages(16, 4);
    let store = MemoryMailbox::new();
    let engine = engine(&gmail, Arc::new(store.clone()));
    engine.sync(ACCOUNT).await.unwrap();
    let before = store.messages(ACCOUNT).await.unwrap();
    let cursor = store.cursor(ACCOUNT).await.unwrap();
    let added = gmail.add_message(&["INBOX"]);
    gmail.fail_next(
        endpoint,
        Fault::Body(Corruption::Text(body.replace("{ID}", &added))),
        1,
    );
    let error = engine.sync(ACCOUNT).await.unwrap_err();
    assert_eq!(
        store.cursor(ACCOUNT).await.unwrap(),
        cursor,
        "cursor moved on a bad response"
    );
    assert_eq!(
        store.messages(ACCOUNT).await.unwrap(),
        before,
        "stored messages changed"
    );
    (error, added)
}

#[tokio::test(start_paused = true)]
async fn a_history_id_sent_as_a_number_is_a_malformed_page() {
    let (error, _) = partial_sync_with_body(Endpoint::History, r#"{"historyId": 123}"#).await;
    assert!(
        matches!(&error, SyncError::Malformed { location: Location::HistoryPage(1), problem, .. } if problem.contains("string-encoded")),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_unknown_history_type_is_a_malformed_page() {
    let body = r#"{"historyId":"99999999","history":[{"id":"99999998","messagesModified":[{"message":{"id":"{ID}"}}]}]}"#;
    let (error, _) = partial_sync_with_body(Endpoint::History, body).await;
    assert!(
        matches!(&error, SyncError::Malformed { location: Location::HistoryPage(1), problem, .. } if problem.contains("messagesModified")),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn bad_base64url_in_raw_names_the_message() {
    let body = r#"{"id":"{ID}","threadId":"{ID}","labelIds":["INBOX"],"historyId":"5","internalDate":"1","raw":"not*base64!"}"#;
    let (error, added) = partial_sync_with_body(Endpoint::Get, body).await;
    assert!(
        matches!(&error, SyncError::Malformed { location: Location::Message(id), problem, .. } if *id == added && problem.contains("base64url")),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_message_missing_its_thread_id_names_the_message() {
    let body =
        r#"{"id":"{ID}","labelIds":["INBOX"],"historyId":"5","internalDate":"1","raw":"SGk"}"#;
    let (error, added) = partial_sync_with_body(Endpoint::Get, body).await;
    assert!(
        matches!(&error, SyncError::Malformed { location: Location::Message(id), problem, .. } if *id == added && problem.contains("threadId")),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_internal_date_sent_as_a_number_names_the_message() {
    let body = r#"{"id":"{ID}","threadId":"{ID}","historyId":"5","internalDate":1700000000000,"raw":"SGk"}"#;
    let (error, added) = partial_sync_with_body(Endpoint::Get, body).await;
    assert!(
        matches!(&error, SyncError::Malformed { location: Location::Message(id), .. } if *id == added),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_malformed_list_page_stops_a_full_sync_without_a_cursor() {
    let gmail = FakeGmail::with_messages(17, 20);
    gmail.fail_next(
        Endpoint::List,
        Fault::Body(Corruption::Text(
            r#"{"messages":[{"threadId":"x"}]}"#.into(),
        )),
        1,
    );
    let store = MemoryMailbox::new();
    let error = engine(&gmail, Arc::new(store.clone()))
        .sync(ACCOUNT)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            SyncError::Malformed {
                location: Location::ListPage(1),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(store.cursor(ACCOUNT).await.unwrap(), None);
}

#[tokio::test]
async fn a_gmail_base_that_is_not_a_url_is_refused_at_construction() {
    let gmail = FakeGmail::new(18);
    let result = reference_impl::SyncEngine::new(
        SyncConfig::new("not a url", "w"),
        Arc::new(FixedClock),
        Arc::new(InMemoryGmail::new(&gmail)),
        Arc::new(FakeTokens::new(&gmail)),
        Arc::new(MemoryMailbox::new()),
    );
    let error = result.unwrap_err();
    assert!(error.to_string().contains("`not a url`"));
    let _ = (GMAIL_BASE, SyncMode::Full);
}
