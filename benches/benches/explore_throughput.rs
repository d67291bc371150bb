//! Exploration throughput (issue 13): random 6-simulated-hour schedules
//! with 2 broker instances and 2 accounts against the reference broker,
//! cases per second on two worker threads; and the strict shrinking of a
//! 40-step schedule that fails against a mutant.
//!
//! `cargo bench -p benches --bench explore_throughput`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use harness::choice::BrokerChoice;
use harness::explore::{
    ExploreOptions, Focus, InvariantPlan, ScheduleShape, case_seed, explore, generate, play_case,
    shrink,
};
use std::time::Duration;

const BATCH: u64 = 40;

fn six_hours_two_by_two() -> ScheduleShape {
    ScheduleShape {
        duration: Duration::from_secs(6 * 3600),
        instances: (2, 2),
        accounts: (2, 2),
        max_steps: 24,
        focus: Focus::Everything,
    }
}

fn cases_per_second(c: &mut Criterion) {
    let reference = BrokerChoice::parse("reference").expect("known broker");
    let mut group = c.benchmark_group("explore");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BATCH));
    let mut seed = 0;
    group.bench_function("cases_6h_2_instances_2_accounts", |b| {
        b.iter(|| {
            seed += 1;
            let options = ExploreOptions {
                cases: BATCH,
                seed,
                shape: six_hours_two_by_two(),
                shrink_budget: 0,
                ..ExploreOptions::default()
            };
            let report = explore(&options, &reference, &|_| {}).expect("explores");
            assert_eq!(report.cases, BATCH);
        });
    });
    group.finish();
}

/// A 40-step schedule (plus its background traffic) that fails against
/// `mutant:no-single-flight`: the first seed that does.
fn shrinking(c: &mut Criterion) {
    let mutant = BrokerChoice::parse("mutant:no-single-flight").expect("known mutant");
    let shape = ScheduleShape {
        max_steps: 40,
        ..six_hours_two_by_two()
    };
    let failing = (0..200)
        .map(|index| generate(&shape, case_seed(13, index)))
        .filter(|schedule| schedule.steps.len() >= 40)
        .find_map(|schedule| {
            let case = play_case(
                &schedule,
                &InvariantPlan::for_schedule(&schedule),
                &mutant,
                "bench",
            )
            .ok()?;
            case.outcome
                .violated("single_flight_refresh")
                .then_some(case)
        })
        .expect("a failing 40-step schedule among 200 seeds");
    let mut group = c.benchmark_group("explore");
    group.sample_size(10);
    group.bench_function("shrink_40_step_failing_schedule", |b| {
        b.iter(|| {
            let shrunk = shrink(&failing, "single_flight_refresh", &mutant, 400).expect("shrinks");
            assert!(shrunk.case.schedule.steps.len() < failing.schedule.steps.len());
        });
    });
    group.finish();
}

criterion_group!(benches, cases_per_second, shrinking);
criterion_main!(benches);
