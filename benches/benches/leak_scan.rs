//! `no_token_leak`'s scan: one pass over every channel with a hash set of
//! every window of every form of every secret, so its cost follows the
//! bytes scanned, not the number of secrets. Measured on broker logs of
//! 1 MiB and 8 MiB with 200 and 2,000 issued tokens (13 forms each), and
//! building the window set alone.
//!
//! `cargo bench -p benches --bench leak_scan`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use harness::checkers::NoTokenLeak;
use harness::run::RunRecord;
use mock_provider::{RegisteredSecret, SecretKind};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;
use std::time::Duration;

const MIB: usize = 1024 * 1024;

/// `count` Google-shaped access and refresh tokens.
fn secrets(count: usize, rng: &mut ChaCha8Rng) -> Vec<RegisteredSecret> {
    use base64::Engine;
    (0..count)
        .map(|i| {
            let mut bytes = [0u8; 72];
            rng.fill(&mut bytes[..]);
            let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
            let (kind, value) = if i % 2 == 0 {
                (SecretKind::AccessToken, format!("ya29.a0{text}"))
            } else {
                (SecretKind::RefreshToken, format!("1//0{text}"))
            };
            RegisteredSecret {
                kind,
                value: value.into(),
            }
        })
        .collect()
}

/// A broker log of `size` bytes of TRACE-like lines holding no secret.
fn log(size: usize, rng: &mut ChaCha8Rng) -> Vec<u8> {
    let mut log = Vec::with_capacity(size + 200);
    while log.len() < size {
        let line = format!(
            "2026-01-01T00:00:{:02}.{:03}Z TRACE reference_impl::broker::refresh: refresh succeeded account=user{}@example.com fp:{:016x} expires_in=3599 attempt={}\n",
            rng.random_range(0..60),
            rng.random_range(0..1000),
            rng.random_range(0..500),
            rng.random::<u64>(),
            rng.random_range(1..5),
        );
        log.extend_from_slice(line.as_bytes());
    }
    log.truncate(size);
    log
}

fn scan(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let checker = NoTokenLeak::default();
    let mut group = c.benchmark_group("no_token_leak");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for tokens in [200, 2_000] {
        let secrets = secrets(tokens, &mut rng);
        for size in [MIB, 8 * MIB] {
            let record = RunRecord {
                secrets: secrets.clone(),
                broker_log: log(size, &mut rng),
                ..RunRecord::default()
            };
            group.throughput(Throughput::Bytes(size as u64));
            group.bench_with_input(
                BenchmarkId::new(format!("{tokens}_tokens"), format!("{}MiB", size / MIB)),
                &record,
                |b, record| b.iter(|| black_box(checker.judge(record))),
            );
        }
        let empty = RunRecord {
            secrets,
            broker_log: b"a line with nothing in it, long enough to scan".to_vec(),
            ..RunRecord::default()
        };
        group.throughput(Throughput::Elements(tokens as u64));
        group.bench_with_input(
            BenchmarkId::new(format!("{tokens}_tokens"), "windows_only"),
            &empty,
            |b, record| b.iter(|| black_box(checker.judge(record))),
        );
    }
    group.finish();
}

criterion_group!(benches, scan);
criterion_main!(benches);
