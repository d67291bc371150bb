//! Real mode: the `sync-worker` binary over real HTTP against the fake Gmail served on
//! 127.0.0.1, killed with SIGKILL mid-sync and rerun (SQLite), and two worker
//! processes syncing one account into one PostgreSQL at once.

#[expect(
    dead_code,
    reason = "shared support; each test binary uses a part of it"
)]
mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use reference_impl::{MailboxStore, PostgresMailbox, SqliteMailbox};
use support::ACCOUNT;
use support::fake_gmail::FakeGmail;
use tokio::process::{Child, Command};

fn worker(base: &str, store_flag: &str, store: &str, worker_id: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sync-worker"))
        .args([
            "--gmail-base",
            base,
            "--account",
            ACCOUNT,
            store_flag,
            store,
            "--worker-id",
            worker_id,
            "--until-synced",
            "--lease-ttl-secs",
            "2",
        ])
        .env("SYNC_WORKER_ACCESS_TOKEN", "ya29.process-test")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the sync-worker binary starts")
}

async fn run_to_completion(base: &str, store_flag: &str, store: &str) {
    let status = worker(base, store_flag, store, "finisher")
        .wait()
        .await
        .unwrap();
    assert!(status.success(), "sync-worker failed: {status}");
}

/// Waits (bounded) until the fake has answered `requests` requests.
async fn wait_for_requests(gmail: &FakeGmail, requests: u64) {
    for _ in 0..6000 {
        if gmail.requests() >= requests {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the worker never reached {requests} requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_with_sigkill_mid_sync_converges_when_rerun() {
    let gmail = FakeGmail::with_messages(40, 2500);
    gmail.set_latency(Duration::from_millis(1));
    let base = gmail.serve().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mailbox.db");
    let db_arg = db.to_str().unwrap();

    let mut doomed = worker(&base, "--sqlite", db_arg, "doomed");
    wait_for_requests(&gmail, 600).await;
    doomed.start_kill().unwrap(); // SIGKILL
    let status = doomed.wait().await.unwrap();
    assert!(
        !status.success(),
        "the worker was killed before it finished"
    );

    let store = SqliteMailbox::open(&db).unwrap();
    assert_eq!(
        store.cursor(ACCOUNT).await.unwrap(),
        None,
        "killed mid full sync: no cursor yet"
    );
    let ids = gmail.message_ids();
    gmail.delete_message(&ids[3]);
    gmail.add_message(&["INBOX"]);
    gmail.set_latency(Duration::ZERO);

    // The killed worker never released its lease: the rerun waits for it to expire.
    run_to_completion(&base, "--sqlite", db_arg).await;
    gmail.delete_message(&ids[100]);
    run_to_completion(&base, "--sqlite", db_arg).await;
    assert_mailbox_equal(&store, &gmail).await;
    assert_file_exists(&db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worker_processes_on_one_postgres_never_duplicate_a_sync() {
    let Some(pg) = throwaway_postgres::for_tests() else {
        return;
    };
    let gmail = FakeGmail::with_messages(41, 1500);
    gmail.set_latency(Duration::from_millis(1));
    let base = gmail.serve().await;
    let store = PostgresMailbox::connect(pg.url()).await.unwrap();

    let mut first = worker(&base, "--postgres", pg.url(), "worker-a");
    let mut second = worker(&base, "--postgres", pg.url(), "worker-b");
    wait_for_requests(&gmail, 200).await;
    gmail.delete_message(&gmail.message_ids()[7]);
    gmail.add_message(&["INBOX"]);
    assert!(first.wait().await.unwrap().success());
    assert!(second.wait().await.unwrap().success());
    assert_eq!(
        gmail.profile_requests(),
        1,
        "exactly one worker ran the full sync"
    );

    run_to_completion(&base, "--postgres", pg.url()).await;
    assert_mailbox_equal(&store, &gmail).await;
}

async fn assert_mailbox_equal(store: &dyn MailboxStore, gmail: &FakeGmail) {
    let stored = store.messages(ACCOUNT).await.unwrap();
    let expected = gmail.snapshot();
    assert_eq!(stored.len(), expected.len(), "message count differs");
    assert!(stored == expected, "stored mailbox differs from gmail's");
}

fn assert_file_exists(path: &Path) {
    assert!(path.is_file());
}
