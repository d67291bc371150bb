//! Store write and read cost: one compare-and-swap (sealed, durable) and one load per
//! store, plus sealing alone. PostgreSQL is measured when `DATABASE_URL` is set.
//!
//! `cargo bench -p benches --bench store_cas`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use reference_impl::{
    AccessToken, FileStore, Keyring, MemoryStore, PostgresStore, RefreshToken, SqliteStore,
    StoredGrant, TokenStore,
};
use tokio::runtime::Runtime;

fn grant(version: u64) -> StoredGrant {
    StoredGrant {
        access_token: Some(AccessToken::new(
            "ya29.a0AfH6SMBx-benchmark-access-token-value",
        )),
        expires_at: Some(std::time::SystemTime::now()),
        scopes: vec!["https://www.googleapis.com/auth/gmail.modify".to_owned()],
        ..StoredGrant::new(
            version,
            RefreshToken::new("1//0gbenchmark-refresh-token-value"),
        )
    }
}

fn bench_store(c: &mut Criterion, runtime: &Runtime, name: &str, store: Arc<dyn TokenStore>) {
    let version = Arc::new(AtomicU64::new(1));
    let _ = runtime
        .block_on(store.compare_and_swap("alice", None, grant(1)))
        .expect("seed");
    c.bench_function(&format!("{name}/compare_and_swap"), |b| {
        b.to_async(runtime).iter(|| {
            let (store, version) = (Arc::clone(&store), Arc::clone(&version));
            async move {
                let current = version.fetch_add(1, Ordering::SeqCst);
                store
                    .compare_and_swap("alice", Some(current), grant(current + 1))
                    .await
                    .expect("cas")
            }
        });
    });
    c.bench_function(&format!("{name}/load"), |b| {
        b.to_async(runtime)
            .iter(|| async { store.load("alice").await.expect("load") });
    });
}

fn stores(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let keyring = Keyring::generate("bench");
    let sealed = keyring.seal("alice", &grant(1));
    c.bench_function("keyring/seal", |b| {
        b.iter(|| keyring.seal("alice", &grant(1)))
    });
    c.bench_function("keyring/open", |b| {
        b.iter(|| keyring.open("alice", 1, &sealed).expect("open"))
    });

    let dir = tempfile::tempdir().expect("temp dir");
    bench_store(c, &runtime, "memory", Arc::new(MemoryStore::new()));
    let file = FileStore::open(dir.path().join("files"), keyring.clone()).expect("file store");
    bench_store(c, &runtime, "file", Arc::new(file));
    let sqlite = runtime
        .block_on(SqliteStore::open(
            dir.path().join("tokens.db"),
            keyring.clone(),
        ))
        .expect("sqlite store");
    bench_store(c, &runtime, "sqlite", Arc::new(sqlite));
    if let Ok(url) = std::env::var("DATABASE_URL") {
        let postgres = runtime
            .block_on(PostgresStore::connect(&url, keyring.clone()))
            .expect("postgres store");
        runtime
            .block_on(postgres.delete("alice"))
            .expect("clean slate");
        bench_store(c, &runtime, "postgres", Arc::new(postgres));
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(4));
    targets = stores
}
criterion_main!(benches);
