//! One contract, three backends: the in-memory, SQLite and PostgreSQL mailbox stores
//! must behave identically (atomic commits, idempotent upserts, reconciliation, cursor,
//! leases with fencing, outbox rows).

#[expect(
    dead_code,
    reason = "shared support; each test binary uses a part of it"
)]
mod support;

use std::time::{Duration, SystemTime};

use reference_impl::{
    MailboxCommit, MailboxError, MailboxStore, MemoryMailbox, OutboxEntry, OutboxState,
    PostgresMailbox, SqliteMailbox, StoredMessage,
};

fn message(id: &str, labels: &[&str], history_id: u64) -> StoredMessage {
    StoredMessage {
        id: id.to_owned(),
        thread_id: format!("t-{id}"),
        label_ids: labels.iter().map(|l| (*l).to_owned()).collect(),
        history_id,
        internal_date: 1_700_000_000_000,
        raw: format!("Subject: {id}\r\n\r\nbody \u{1F600}").into_bytes(),
    }
}

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs)
}

/// The whole contract against one store; `account` keeps runs on a shared database apart.
async fn conformance(store: &dyn MailboxStore, account: &str) {
    // Empty to start with.
    assert_eq!(store.cursor(account).await.unwrap(), None);
    assert!(store.messages(account).await.unwrap().is_empty());

    // Upserts are idempotent and keyed by id; the cursor moves with the commit.
    let commit = MailboxCommit {
        upserts: vec![
            message("b", &["INBOX"], 5),
            message("a", &["INBOX", "UNREAD"], 6),
        ],
        ..MailboxCommit::default()
    };
    store.commit(account, commit.clone()).await.unwrap();
    store.commit(account, commit).await.unwrap();
    let stored = store.messages(account).await.unwrap();
    assert_eq!(
        stored,
        vec![
            message("a", &["INBOX", "UNREAD"], 6),
            message("b", &["INBOX"], 5)
        ]
    );
    assert_eq!(
        store.cursor(account).await.unwrap(),
        None,
        "no cursor until a commit sets one"
    );

    // Replace, delete and set the cursor together.
    let commit = MailboxCommit {
        upserts: vec![message("a", &["STARRED"], 9), message("c", &[], 10)],
        deletes: vec!["b".into(), "never-stored".into()],
        cursor: Some(42),
        ..MailboxCommit::default()
    };
    store.commit(account, commit).await.unwrap();
    assert_eq!(
        store.messages(account).await.unwrap(),
        vec![message("a", &["STARRED"], 9), message("c", &[], 10)]
    );
    assert_eq!(store.cursor(account).await.unwrap(), Some(42));

    // Reconciliation keeps only the listed ids, then upserts.
    let commit = MailboxCommit {
        keep_only: Some(vec!["c".into(), "z".into()]),
        upserts: vec![message("d", &["INBOX"], 11)],
        cursor: Some(50),
        ..MailboxCommit::default()
    };
    store.commit(account, commit).await.unwrap();
    assert_eq!(
        store.messages(account).await.unwrap(),
        vec![message("c", &[], 10), message("d", &["INBOX"], 11)]
    );

    // Other accounts are untouched.
    let other = format!("{account}-other");
    assert!(store.messages(&other).await.unwrap().is_empty());

    // Leases: exclusive until expiry, fences grow, a stale fence cannot commit.
    let ttl = Duration::from_secs(60);
    let first = store
        .acquire_lease(account, "worker-a", ttl, at(0))
        .await
        .unwrap()
        .unwrap();
    assert!(
        store
            .acquire_lease(account, "worker-b", ttl, at(30))
            .await
            .unwrap()
            .is_none()
    );
    let second = store
        .acquire_lease(account, "worker-b", ttl, at(61))
        .await
        .unwrap()
        .unwrap();
    assert!(second.fence > first.fence);
    let stale = MailboxCommit {
        fence: Some(first.fence),
        upserts: vec![message("stale", &[], 1)],
        cursor: Some(1),
        ..MailboxCommit::default()
    };
    let refused = store.commit(account, stale).await.unwrap_err();
    assert!(
        matches!(refused, MailboxError::LeaseLost { .. }),
        "{refused:?}"
    );
    assert_eq!(
        store.cursor(account).await.unwrap(),
        Some(50),
        "a refused commit changes nothing"
    );
    let fresh = MailboxCommit {
        fence: Some(second.fence),
        cursor: Some(51),
        ..MailboxCommit::default()
    };
    store.commit(account, fresh).await.unwrap();
    assert_eq!(store.cursor(account).await.unwrap(), Some(51));
    store.release_lease(&second).await.unwrap();
    assert!(
        store
            .acquire_lease(account, "worker-a", ttl, at(62))
            .await
            .unwrap()
            .is_some()
    );

    // Outbox rows keep their order and state.
    for (n, state) in [OutboxState::Pending, OutboxState::Attempted]
        .into_iter()
        .enumerate()
    {
        let entry = OutboxEntry {
            entry_id: format!("{account}-entry-{n}"),
            account: account.to_owned(),
            message_id: format!("<{n}@oauth-chaos.invalid>"),
            raw: b"To: b@c\r\n\r\nhi".to_vec(),
            state,
        };
        store.outbox_insert(&entry).await.unwrap();
        store.outbox_insert(&entry).await.unwrap();
    }
    let sent = OutboxState::Sent {
        gmail_id: "18c".into(),
    };
    store
        .outbox_set_state(&format!("{account}-entry-1"), &sent)
        .await
        .unwrap();
    let failed = OutboxState::Failed {
        status: 400,
        reason: "invalidArgument".into(),
    };
    store
        .outbox_set_state(&format!("{account}-entry-0"), &failed)
        .await
        .unwrap();
    let entries = store.outbox_entries(account).await.unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (entries[0].state.clone(), entries[1].state.clone()),
        (failed, sent)
    );
    let unknown = store
        .outbox_set_state("no-such-entry", &OutboxState::Attempted)
        .await
        .unwrap_err();
    assert!(matches!(unknown, MailboxError::UnknownOutboxEntry { .. }));
}

#[tokio::test]
async fn the_memory_store_keeps_the_mailbox_contract() {
    conformance(&MemoryMailbox::new(), "alice").await;
}

#[tokio::test]
async fn the_sqlite_store_keeps_the_mailbox_contract_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mailbox.db");
    conformance(&SqliteMailbox::open(&path).unwrap(), "alice").await;
    let reopened = SqliteMailbox::open(&path).unwrap();
    assert_eq!(reopened.cursor("alice").await.unwrap(), Some(51));
    assert_eq!(reopened.messages("alice").await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_postgres_store_keeps_the_mailbox_contract() {
    let Some(pg) = throwaway_postgres::for_tests() else {
        return;
    };
    let store = PostgresMailbox::connect(pg.url()).await.unwrap();
    let account = format!("alice-{}", std::process::id());
    conformance(&store, &account).await;
    // A second connection sees the same state.
    let again = PostgresMailbox::connect(pg.url()).await.unwrap();
    assert_eq!(again.cursor(&account).await.unwrap(), Some(51));
}
