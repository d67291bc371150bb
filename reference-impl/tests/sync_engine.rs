//! Sync engine scenarios against the in-memory fake Gmail; each ends by comparing the
//! stored mailbox with the fake's, message by message.

#[expect(
    dead_code,
    reason = "shared support; each test binary uses a part of it"
)]
mod support;

use std::sync::Arc;

use reference_impl::{MailboxStore, MemoryMailbox, SyncMode};
use support::fake_gmail::FakeGmail;
use support::{ACCOUNT, engine};

async fn assert_mailbox_matches(store: &MemoryMailbox, gmail: &FakeGmail) {
    let stored = store.messages(ACCOUNT).await.expect("memory store reads");
    assert_eq!(
        stored,
        gmail.snapshot(),
        "stored mailbox differs from gmail's"
    );
}

#[tokio::test(start_paused = true)]
async fn a_first_sync_copies_every_message_across_pages_and_batches() {
    let gmail = FakeGmail::with_messages(1, 40);
    let store = MemoryMailbox::new();
    let report = engine(&gmail, Arc::new(store.clone()))
        .sync(ACCOUNT)
        .await
        .unwrap();
    assert_eq!(report.mode, SyncMode::Full);
    assert_eq!(report.upserted, 40);
    assert_mailbox_matches(&store, &gmail).await;
}

#[tokio::test(start_paused = true)]
async fn a_partial_sync_applies_additions_deletions_and_label_changes() {
    let gmail = FakeGmail::with_messages(2, 20);
    let store = MemoryMailbox::new();
    let engine = engine(&gmail, Arc::new(store.clone()));
    engine.sync(ACCOUNT).await.unwrap();
    let ids = gmail.message_ids();
    gmail.delete_message(&ids[3]);
    gmail.relabel(&ids[5], &["STARRED"], &["UNREAD"]);
    gmail.relabel(&ids[6], &[], &["INBOX"]);
    let added = gmail.add_message(&["INBOX"]);
    gmail.relabel(&added, &["IMPORTANT"], &[]);
    let short_lived = gmail.add_message(&["INBOX"]);
    gmail.delete_message(&short_lived);
    for _ in 0..12 {
        gmail.add_message(&["INBOX", "CATEGORY_UPDATES"]);
    }
    let report = engine.sync(ACCOUNT).await.unwrap();
    assert_eq!(report.mode, SyncMode::Partial);
    assert_eq!(store.cursor(ACCOUNT).await.unwrap(), Some(report.cursor));
    assert_mailbox_matches(&store, &gmail).await;
}

#[tokio::test(start_paused = true)]
async fn messages_arriving_and_deleted_during_a_full_sync_converge_on_the_next_sync() {
    let gmail = FakeGmail::with_messages(3, 30);
    let victim = gmail.message_ids()[10].clone();
    let late_victim = gmail.message_ids()[25].clone();
    gmail.at_request(3, move |state| {
        state.add_message(&["INBOX"], None);
        state.delete_message(&victim);
    });
    gmail.at_request(20, move |state| {
        state.delete_message(&late_victim);
        state.add_message(&["INBOX"], None);
        let first = state.first_id().unwrap();
        state.relabel(&first, &["STARRED"], &[]);
    });
    let store = MemoryMailbox::new();
    let engine = engine(&gmail, Arc::new(store.clone()));
    engine.sync(ACCOUNT).await.unwrap();
    let report = engine.sync(ACCOUNT).await.unwrap();
    assert_eq!(report.mode, SyncMode::Partial);
    assert_mailbox_matches(&store, &gmail).await;
}

#[tokio::test(start_paused = true)]
async fn expired_history_triggers_a_resync_that_applies_deletions_without_duplicates() {
    let gmail = FakeGmail::with_messages(4, 25);
    let store = MemoryMailbox::new();
    let engine = engine(&gmail, Arc::new(store.clone()));
    engine.sync(ACCOUNT).await.unwrap();
    let ids = gmail.message_ids();
    gmail.delete_message(&ids[0]);
    gmail.delete_message(&ids[24]);
    gmail.relabel(&ids[7], &["TRASH"], &["INBOX"]);
    gmail.add_message(&["INBOX"]);
    gmail.expire_history();
    let report = engine.sync(ACCOUNT).await.unwrap();
    assert_eq!(report.mode, SyncMode::Resync);
    assert_mailbox_matches(&store, &gmail).await;
    assert_eq!(engine.sync(ACCOUNT).await.unwrap().mode, SyncMode::Partial);
}

#[tokio::test(start_paused = true)]
async fn history_expiring_in_the_middle_of_a_partial_sync_still_converges() {
    let gmail = FakeGmail::with_messages(5, 10);
    let store = MemoryMailbox::new();
    let engine = engine(&gmail, Arc::new(store.clone()));
    engine.sync(ACCOUNT).await.unwrap();
    for _ in 0..20 {
        gmail.add_message(&["INBOX"]);
    }
    let victim = gmail.message_ids()[2].clone();
    // The second history page finds the history gone.
    let next = gmail.requests() + 2;
    gmail.at_request(next, move |state| {
        state.delete_message(&victim);
        state.expire_history();
    });
    let report = engine.sync(ACCOUNT).await.unwrap();
    assert_eq!(report.mode, SyncMode::Resync);
    assert_mailbox_matches(&store, &gmail).await;
}

#[tokio::test(start_paused = true)]
async fn a_history_page_with_a_next_token_and_no_history_is_skipped() {
    let gmail = FakeGmail::with_messages(6, 5);
    let store = MemoryMailbox::new();
    let engine = engine(&gmail, Arc::new(store.clone()));
    engine.sync(ACCOUNT).await.unwrap();
    gmail.set_empty_page_quirk(true);
    gmail.add_message(&["INBOX"]);
    gmail.delete_message(&gmail.message_ids()[0]);
    let report = engine.sync(ACCOUNT).await.unwrap();
    assert_eq!(report.mode, SyncMode::Partial);
    assert_mailbox_matches(&store, &gmail).await;
}

#[tokio::test(start_paused = true)]
async fn a_sync_with_nothing_new_keeps_the_mailbox_and_moves_no_message() {
    let gmail = FakeGmail::with_messages(7, 12);
    let store = MemoryMailbox::new();
    let engine = engine(&gmail, Arc::new(store.clone()));
    engine.sync(ACCOUNT).await.unwrap();
    let report = engine.sync(ACCOUNT).await.unwrap();
    assert_eq!((report.upserted, report.deleted), (0, 0));
    assert_mailbox_matches(&store, &gmail).await;
}

#[tokio::test(start_paused = true)]
async fn an_empty_mailbox_syncs_to_an_empty_store_with_a_cursor() {
    let gmail = FakeGmail::new(8);
    let store = MemoryMailbox::new();
    engine(&gmail, Arc::new(store.clone()))
        .sync(ACCOUNT)
        .await
        .unwrap();
    assert!(store.cursor(ACCOUNT).await.unwrap().is_some());
    assert_mailbox_matches(&store, &gmail).await;
}
