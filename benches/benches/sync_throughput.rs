//! Sync engine throughput: a full sync of 100,000 messages and a partial sync of
//! 10,000 history records, from the in-memory fake Gmail (the test fake in
//! reference-impl/tests/support, called through its axum router with no sockets) into
//! SQLite in a temp dir. Only the sync is timed; building the fake and the store is not.
//! Criterion reports elements (messages or history records) per second.

#[expect(
    dead_code,
    reason = "the test fake has more surface than the bench needs"
)]
#[path = "../../reference-impl/tests/support/fake_gmail/mod.rs"]
mod fake_gmail;

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fake_gmail::{FakeGmail, FakeTokens, GMAIL_BASE, InMemoryGmail};
use reference_impl::{SqliteMailbox, SyncConfig, SyncEngine, SystemClock};

const FULL_SYNC_MESSAGES: usize = 100_000;
const HISTORY_RECORDS: usize = 10_000;

fn engine(gmail: &FakeGmail, store: SqliteMailbox) -> SyncEngine {
    SyncEngine::new(
        SyncConfig::new(GMAIL_BASE, "bench"),
        Arc::new(SystemClock),
        Arc::new(InMemoryGmail::new(gmail)),
        Arc::new(FakeTokens::new(gmail)),
        Arc::new(store),
    )
    .expect("valid base url")
}

fn full_sync(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let gmail = FakeGmail::with_messages(1, FULL_SYNC_MESSAGES);
    let mut group = c.benchmark_group("sync");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    group.throughput(Throughput::Elements(FULL_SYNC_MESSAGES as u64));
    group.bench_function("full_sync_100k_messages_into_sqlite", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let dir = tempfile::tempdir().expect("temp dir");
                let store = SqliteMailbox::open(dir.path().join("mailbox.db")).expect("sqlite");
                let engine = engine(&gmail, store);
                let started = Instant::now();
                runtime.block_on(engine.sync("bench")).expect("full sync");
                total += started.elapsed();
            }
            total
        });
    });
    group.finish();
}

fn partial_sync(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut group = c.benchmark_group("sync");
    group.sample_size(10);
    group.throughput(Throughput::Elements(HISTORY_RECORDS as u64));
    group.bench_function("partial_sync_10k_history_records_into_sqlite", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let gmail = FakeGmail::with_messages(2, 2_000);
                let dir = tempfile::tempdir().expect("temp dir");
                let store = SqliteMailbox::open(dir.path().join("mailbox.db")).expect("sqlite");
                let engine = engine(&gmail, store);
                runtime.block_on(engine.sync("bench")).expect("full sync");
                // 10,000 records: 6,000 new messages, 2,000 label changes, 2,000 deletions.
                let ids = gmail.message_ids();
                for _ in 0..6_000 {
                    gmail.add_message(&["INBOX"]);
                }
                for id in &ids[..1_000] {
                    gmail.relabel(id, &["STARRED"], &["UNREAD"]);
                }
                for id in &ids[1_000..] {
                    gmail.delete_message(id);
                }
                let started = Instant::now();
                runtime
                    .block_on(engine.sync("bench"))
                    .expect("partial sync");
                total += started.elapsed();
            }
            total
        });
    });
    group.finish();
}

criterion_group!(benches, full_sync, partial_sync);
criterion_main!(benches);
