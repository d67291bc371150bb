//! Crash safety: the engine is stopped at every crash point (before and after every
//! request and every commit) of a full sync, a partial sync and a resync; rerunning
//! must converge to exactly Gmail's mailbox. The in-memory store keeps only what was
//! committed, like a disk after kill -9.

#[expect(
    dead_code,
    reason = "shared support; each test binary uses a part of it"
)]
mod support;

use std::sync::Arc;

use reference_impl::{CrashPoints, MailboxStore, MemoryMailbox, SyncError};
use support::fake_gmail::FakeGmail;
use support::{ACCOUNT, CountCrashPoints, CrashAt, engine};

/// A fake with churn scheduled during the sync under test.
fn scenario(seed: u64) -> FakeGmail {
    let gmail = FakeGmail::with_messages(seed, 17);
    let victim = gmail.message_ids()[4].clone();
    gmail.at_request(4, move |state| {
        state.delete_message(&victim);
        state.add_message(&["INBOX"], None);
    });
    gmail
}

/// What happens before the sync under test (`Some(prepare)` runs a clean first sync
/// and then changes the mailbox).
type Prepare = fn(&FakeGmail);

async fn run_once(
    seed: u64,
    prepare: Option<Prepare>,
    crash: Arc<dyn CrashPoints>,
) -> (FakeGmail, MemoryMailbox, Result<(), SyncError>) {
    let gmail = scenario(seed);
    let store = MemoryMailbox::new();
    if let Some(prepare) = prepare {
        engine(&gmail, Arc::new(store.clone()))
            .sync(ACCOUNT)
            .await
            .unwrap();
        prepare(&gmail);
    }
    let result = engine(&gmail, Arc::new(store.clone()))
        .with_crash_points(crash)
        .sync(ACCOUNT)
        .await
        .map(drop);
    (gmail, store, result)
}

async fn crash_at_every_point_then_converge(seed: u64, prepare: Option<Prepare>) {
    let counter = Arc::new(CountCrashPoints::default());
    let (_, _, clean) = run_once(seed, prepare, counter.clone()).await;
    clean.unwrap();
    let points = counter.count();
    assert!(
        points > 10,
        "the scenario should pass many crash points, got {points}"
    );
    for n in 0..points {
        let (gmail, store, crashed) = run_once(seed, prepare, CrashAt::new(n)).await;
        assert!(
            matches!(crashed, Err(SyncError::Crashed(_))),
            "crash point {n}: {crashed:?}"
        );
        // A restarted worker (new engine, same store) syncs twice: once to recover,
        // once to pick up what changed while it ran.
        let restarted = engine(&gmail, Arc::new(store.clone()));
        restarted
            .sync(ACCOUNT)
            .await
            .unwrap_or_else(|e| panic!("rerun after crash {n}: {e}"));
        restarted.sync(ACCOUNT).await.unwrap();
        assert_eq!(
            store.messages(ACCOUNT).await.unwrap(),
            gmail.snapshot(),
            "after crash point {n} of {points}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_full_sync_killed_at_any_point_converges_on_rerun() {
    crash_at_every_point_then_converge(21, None).await;
}

#[tokio::test(start_paused = true)]
async fn a_partial_sync_killed_at_any_point_converges_on_rerun() {
    crash_at_every_point_then_converge(
        22,
        Some(|gmail| {
            let ids = gmail.message_ids();
            gmail.delete_message(&ids[1]);
            gmail.relabel(&ids[2], &["STARRED"], &["INBOX"]);
            for _ in 0..9 {
                gmail.add_message(&["INBOX"]);
            }
        }),
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_resync_after_expired_history_killed_at_any_point_converges_on_rerun() {
    crash_at_every_point_then_converge(
        23,
        Some(|gmail| {
            let ids = gmail.message_ids();
            gmail.delete_message(&ids[0]);
            gmail.add_message(&["INBOX"]);
            gmail.expire_history();
        }),
    )
    .await;
}
