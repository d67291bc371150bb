//! Wall time of a simulated day: `benches/scenarios/fleet-day.toml` (3 broker
//! instances sharing a store, 10 accounts, 1,000 emails synced, 24 simulated
//! hours) against the in-process reference broker, the whole
//! `run_scenario` (world, timeline, final sync, checkers). Target: under
//! 100 ms.
//!
//! Each iteration asserts the run passed and that the broker ended with all
//! 1,000 messages, so a faster run that did less would fail, not flatter.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use harness::choice::BrokerChoice;
use harness::run::{Verdict, run_scenario};
use harness::scenario::load_file;

fn simulated_day(c: &mut Criterion) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/fleet-day.toml");
    let scenario = load_file(&path).expect("the fleet-day scenario loads");
    let broker = BrokerChoice::parse("reference").expect("known broker");
    let mut group = c.benchmark_group("simulated_day");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("fleet_3_instances_10_accounts_1000_emails_24h", |b| {
        b.iter(|| {
            let (outcome, record) =
                run_scenario(&path, &scenario, &broker, None).expect("the run completes");
            assert_eq!(
                outcome.verdict,
                Verdict::Passed,
                "{:#?}",
                outcome.violations
            );
            let synced: usize = record
                .email
                .settled
                .iter()
                .map(|settled| settled.stored_after.len())
                .sum();
            assert_eq!(synced, 1_000, "every email of the day is synced");
            black_box(outcome.wall_time)
        });
    });
    group.finish();
}

criterion_group!(benches, simulated_day);
criterion_main!(benches);
