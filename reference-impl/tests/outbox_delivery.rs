//! The outbox delivers each queued message exactly once: through lost acks, resets,
//! 5xx, rate limits and a crash at every step, and reports permanent failures.

#[expect(
    dead_code,
    reason = "shared support; each test binary uses a part of it"
)]
mod support;

use std::sync::Arc;

use reference_impl::{Delivery, MailboxStore, MemoryMailbox, OutboxError, OutboxState, SyncError};
use support::fake_gmail::FakeGmail;
use support::fake_gmail::state::{Endpoint, Fault};
use support::{ACCOUNT, CountCrashPoints, CrashAt, outbox};

const MESSAGE: &[u8] =
    b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: hello\r\n\r\nHi Bob.\r\n";

#[tokio::test(start_paused = true)]
async fn a_sent_message_lands_in_sent_once_with_the_outbox_message_id() {
    let gmail = FakeGmail::new(30);
    let store = MemoryMailbox::new();
    let outbox = outbox(&gmail, Arc::new(store.clone()), 1);
    let entry = outbox.send(ACCOUNT, MESSAGE).await.unwrap();
    assert!(entry.message_id.ends_with("@oauth-chaos.invalid>"));
    let reports = outbox.deliver(ACCOUNT).await.unwrap();
    assert!(
        matches!(reports[0].delivery, Delivery::Sent { .. }),
        "{reports:?}"
    );
    assert_eq!(gmail.sent_with_message_id(&entry.message_id), 1);
    assert!(
        outbox.deliver(ACCOUNT).await.unwrap().is_empty(),
        "nothing left to deliver"
    );
    assert_eq!(gmail.sent_with_message_id(&entry.message_id), 1);
}

#[tokio::test(start_paused = true)]
async fn a_lost_acknowledgement_is_resolved_by_looking_in_sent_not_by_sending_again() {
    let gmail = FakeGmail::new(31);
    gmail.fail_next(Endpoint::Send, Fault::AckLost, 1);
    let store = MemoryMailbox::new();
    let outbox = outbox(&gmail, Arc::new(store.clone()), 2);
    let entry = outbox.send(ACCOUNT, MESSAGE).await.unwrap();
    let reports = outbox.deliver(ACCOUNT).await.unwrap();
    assert!(
        matches!(reports[0].delivery, Delivery::Sent { .. }),
        "{reports:?}"
    );
    assert_eq!(gmail.sent_with_message_id(&entry.message_id), 1);
}

#[tokio::test(start_paused = true)]
async fn server_errors_and_rate_limits_on_send_still_deliver_exactly_once() {
    let gmail = FakeGmail::new(32);
    gmail.fail_next(Endpoint::Send, Fault::ServerError, 1);
    gmail.fail_next(
        Endpoint::Send,
        Fault::TooManyRequests {
            retry_after: Some(2),
        },
        2,
    );
    gmail.fail_next(Endpoint::Send, Fault::AckLost, 1);
    let store = MemoryMailbox::new();
    let outbox = outbox(&gmail, Arc::new(store.clone()), 3);
    let first = outbox.send(ACCOUNT, MESSAGE).await.unwrap();
    let second = outbox.send(ACCOUNT, MESSAGE).await.unwrap();
    assert_ne!(first.message_id, second.message_id);
    let reports = outbox.deliver(ACCOUNT).await.unwrap();
    assert_eq!(reports.len(), 2);
    assert_eq!(gmail.sent_with_message_id(&first.message_id), 1);
    assert_eq!(gmail.sent_with_message_id(&second.message_id), 1);
}

#[tokio::test(start_paused = true)]
async fn a_permanent_refusal_is_reported_for_that_message_and_the_rest_still_go() {
    let gmail = FakeGmail::new(33);
    let store = MemoryMailbox::new();
    let outbox = outbox(&gmail, Arc::new(store.clone()), 4);
    let bad = outbox
        .send(ACCOUNT, b"Subject: no recipient\r\n\r\nbody")
        .await
        .unwrap();
    let good = outbox.send(ACCOUNT, MESSAGE).await.unwrap();
    let reports = outbox.deliver(ACCOUNT).await.unwrap();
    assert!(
        matches!(&reports[0].delivery, Delivery::Failed { status: 400, .. }),
        "{reports:?}"
    );
    assert!(matches!(&reports[1].delivery, Delivery::Sent { .. }));
    let entries = store.outbox_entries(ACCOUNT).await.unwrap();
    assert!(matches!(
        entries[0].state,
        OutboxState::Failed { status: 400, .. }
    ));
    assert_eq!(entries[0].entry_id, bad.entry_id);
    assert_eq!(gmail.sent_with_message_id(&good.message_id), 1);
}

#[tokio::test(start_paused = true)]
async fn a_revoked_grant_keeps_the_message_queued_until_reauthorization() {
    let gmail = FakeGmail::new(34);
    gmail.revoke();
    let store = MemoryMailbox::new();
    let outbox = outbox(&gmail, Arc::new(store.clone()), 5);
    let entry = outbox.send(ACCOUNT, MESSAGE).await.unwrap();
    let reports = outbox.deliver(ACCOUNT).await.unwrap();
    assert!(
        matches!(
            &reports[0].delivery,
            Delivery::Pending {
                error: SyncError::NeedsReauth { .. }
            }
        ),
        "{reports:?}"
    );
    gmail.lock_revoked(false);
    outbox.deliver(ACCOUNT).await.unwrap();
    assert_eq!(gmail.sent_with_message_id(&entry.message_id), 1);
}

#[tokio::test]
async fn a_message_with_its_own_message_id_is_refused_before_it_is_queued() {
    let gmail = FakeGmail::new(35);
    let store = MemoryMailbox::new();
    let outbox = outbox(&gmail, Arc::new(store.clone()), 6);
    let error = outbox
        .send(ACCOUNT, b"Message-ID: <x@y>\r\nTo: b@c\r\n\r\nhi")
        .await
        .unwrap_err();
    assert!(matches!(error, OutboxError::HasMessageId));
    assert!(matches!(
        outbox.send(ACCOUNT, b"no headers at all").await,
        Err(OutboxError::NotRfc822)
    ));
    assert!(store.outbox_entries(ACCOUNT).await.unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn delivery_killed_at_any_point_sends_each_message_exactly_once_on_rerun() {
    let counter = Arc::new(CountCrashPoints::default());
    {
        let gmail = FakeGmail::new(36);
        gmail.fail_next(Endpoint::Send, Fault::AckLost, 1);
        let outbox =
            outbox(&gmail, Arc::new(MemoryMailbox::new()), 7).with_crash_points(counter.clone());
        outbox.send(ACCOUNT, MESSAGE).await.unwrap();
        outbox.send(ACCOUNT, MESSAGE).await.unwrap();
        outbox.deliver(ACCOUNT).await.unwrap();
    }
    let points = counter.count();
    assert!(points >= 8, "got {points} crash points");
    for n in 0..points {
        let gmail = FakeGmail::new(36);
        gmail.fail_next(Endpoint::Send, Fault::AckLost, 1);
        let store = MemoryMailbox::new();
        let crashing =
            outbox(&gmail, Arc::new(store.clone()), 7).with_crash_points(CrashAt::new(n));
        let entries = [
            crashing.send(ACCOUNT, MESSAGE).await.unwrap(),
            crashing.send(ACCOUNT, MESSAGE).await.unwrap(),
        ];
        assert!(matches!(
            crashing.deliver(ACCOUNT).await,
            Err(SyncError::Crashed(_))
        ));
        // Restart: a new outbox process (same worker id) over the same store.
        outbox(&gmail, Arc::new(store.clone()), 8)
            .deliver(ACCOUNT)
            .await
            .unwrap();
        for entry in &entries {
            assert_eq!(
                gmail.sent_with_message_id(&entry.message_id),
                1,
                "crash point {n}"
            );
        }
        let states = store.outbox_entries(ACCOUNT).await.unwrap();
        assert!(
            states
                .iter()
                .all(|e| matches!(e.state, OutboxState::Sent { .. })),
            "crash point {n}: {states:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_second_outbox_waits_while_another_holds_the_delivery_lease() {
    use std::time::{Duration, SystemTime};

    let gmail = FakeGmail::new(37);
    let store = MemoryMailbox::new();
    let first = outbox(&gmail, Arc::new(store.clone()), 9);
    let entry = first.send(ACCOUNT, MESSAGE).await.unwrap();
    // Another process is mid-delivery: it holds the account's outbox lease.
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let held = store
        .acquire_lease(
            &format!("outbox:{ACCOUNT}"),
            "other-process",
            Duration::from_secs(60),
            now,
        )
        .await
        .unwrap()
        .unwrap();
    let refused = first.deliver(ACCOUNT).await.unwrap_err();
    assert!(
        matches!(refused, SyncError::LeaseHeld { .. }),
        "{refused:?}"
    );
    assert_eq!(gmail.sent_with_message_id(&entry.message_id), 0);
    store.release_lease(&held).await.unwrap();
    first.deliver(ACCOUNT).await.unwrap();
    assert_eq!(gmail.sent_with_message_id(&entry.message_id), 1);
}

/// Holds every `messages/send` request for a second before it reaches
/// Gmail, so a second delivery pass can look in Sent while the first pass's
/// send is still in flight.
#[derive(Debug)]
struct SlowSends(support::fake_gmail::InMemoryGmail);

impl reference_impl::HttpTransport for SlowSends {
    fn send(
        &self,
        request: reference_impl::HttpRequest,
    ) -> futures::future::BoxFuture<
        'static,
        Result<reference_impl::HttpResponse, reference_impl::TransportError>,
    > {
        let slow = request.uri().path().ends_with("/messages/send");
        let forwarded = self.0.send(request);
        Box::pin(async move {
            if slow {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
            forwarded.await
        })
    }
}

#[tokio::test(start_paused = true)]
async fn two_delivery_passes_of_one_outbox_at_once_send_each_message_once() {
    use reference_impl::{Outbox, OutboxConfig};

    let gmail = FakeGmail::new(38);
    let store = MemoryMailbox::new();
    let outbox = Outbox::new(
        OutboxConfig::new(support::fake_gmail::GMAIL_BASE)
            .with_seed(10)
            .with_worker_id("outbox-worker-1"),
        Arc::new(support::FixedClock),
        Arc::new(SlowSends(support::fake_gmail::InMemoryGmail::new(&gmail))),
        Arc::new(support::fake_gmail::FakeTokens::new(&gmail)),
        Arc::new(store.clone()),
    )
    .expect("valid base");
    let entry = outbox.send(ACCOUNT, MESSAGE).await.unwrap();
    // Same worker id, two tasks: the lease alone (re-takeable by its own
    // holder after a restart) does not keep them apart.
    let (first, second) = tokio::join!(outbox.deliver(ACCOUNT), outbox.deliver(ACCOUNT));
    let sent = [first, second]
        .into_iter()
        .filter_map(Result::ok)
        .flatten()
        .filter(|report| matches!(report.delivery, Delivery::Sent { .. }))
        .count();
    assert!(sent >= 1, "the message was delivered");
    assert_eq!(gmail.sent_with_message_id(&entry.message_id), 1);
}
