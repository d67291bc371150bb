//! Exploration: random fault schedules against the reference broker (which
//! must pass) and against each mutant (which must be found and shrunk into
//! a scenario file that fails it by itself while the reference passes it).

use harness::choice::BrokerChoice;
use harness::explore::{
    ExploreOptions, Fate, Focus, InvariantPlan, Schedule, ScheduleShape, StepKind, TimedStep,
    TokenFault, confirm, explore, generate, play_case, render_scenario,
};
use harness::mutants::target_of;
use harness::run::Verdict;
use harness::scenario::parse_scenario;
use std::time::Duration;

fn reference() -> BrokerChoice {
    BrokerChoice::parse("reference").expect("known broker")
}

/// A bounded shape: two simulated hours, the full 1-3 instances and 1-5 accounts.
fn test_shape(focus: Focus) -> ScheduleShape {
    ScheduleShape {
        duration: Duration::from_secs(2 * 3600),
        max_steps: 16,
        focus,
        ..ScheduleShape::default()
    }
}

#[test]
fn every_generated_schedule_renders_to_a_file_the_loader_accepts() {
    for focus in [
        Focus::Tokens,
        Focus::Lifecycle,
        Focus::Restarts,
        Focus::Mail,
        Focus::Everything,
    ] {
        for seed in 0..60 {
            let schedule = generate(
                &ScheduleShape {
                    focus,
                    ..ScheduleShape::default()
                },
                seed,
            );
            let text = render_scenario(
                &schedule,
                &InvariantPlan::for_schedule(&schedule),
                "case",
                &[],
            );
            let scenario = parse_scenario(&text, "case.toml")
                .unwrap_or_else(|error| panic!("seed {seed}: {error}\n{text}"));
            assert_eq!(scenario.seed, seed);
            assert!((1..=3).contains(&scenario.broker.instances));
            assert!((1..=5).contains(&scenario.provider.accounts.len()));
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_schedule_and_the_same_journal() {
    let shape = test_shape(Focus::Everything);
    let schedule = generate(&shape, 42);
    assert_eq!(schedule, generate(&shape, 42));
    assert_ne!(schedule, generate(&shape, 43));
    let plan = InvariantPlan::for_schedule(&schedule);
    let first = play_case(&schedule, &plan, &reference(), "twice").expect("runs");
    let second = play_case(&schedule, &plan, &reference(), "twice").expect("runs");
    assert!(!first.outcome.journal_hash.is_empty());
    assert_eq!(first.outcome.journal_hash, second.outcome.journal_hash);
}

#[test]
fn a_provider_down_longer_than_a_token_life_makes_proactive_refresh_judge_the_outage() {
    let schedule = Schedule {
        seed: 5,
        duration: Duration::from_secs(3 * 3600),
        instances: 1,
        accounts: 1,
        token_ttl: Duration::from_secs(3599),
        rotation_grace: None,
        token_latency: Duration::ZERO,
        steps: vec![
            TimedStep {
                at: Duration::ZERO,
                every: Some(Duration::from_secs(60)),
                until: None,
                step: StepKind::TokenRequests {
                    account: 0,
                    callers: 2,
                    spread: Duration::ZERO,
                    instance: 0,
                },
            },
            TimedStep {
                at: Duration::from_secs(3000),
                every: None,
                until: None,
                step: StepKind::TokenFault {
                    account: None,
                    fault: TokenFault::Status(503),
                    times: None,
                    until: Duration::from_secs(3000 + 4000),
                },
            },
        ],
    };
    let plan = InvariantPlan::for_schedule(&schedule);
    let (_, fate) = plan
        .fates
        .iter()
        .find(|(name, _)| *name == "proactive_refresh")
        .expect("planned");
    let Fate::Moot {
        expectation,
        params,
        ..
    } = fate
    else {
        panic!("proactive_refresh should be moot: {fate:?}");
    };
    assert!(expectation.contains("outage must be surfaced"));
    assert_eq!(params.as_deref(), Some("{ margin = \"1m\" }"));
    let case = play_case(&schedule, &plan, &reference(), "outage").expect("runs");
    // The expectation is judged, not skipped: the reference surfaces the
    // outage (its callers are told `transient`, never handed an expired token).
    assert!(case.outcome.checked.contains(&"proactive_refresh"));
    assert!(
        case.outcome
            .judgement("proactive_refresh")
            .is_some_and(|j| j.passed()),
        "{:#?}",
        case.outcome.violations
    );
    assert!(
        case.outcome
            .calls_by_result
            .get("transient")
            .copied()
            .unwrap_or(0)
            > 0
    );
    // The expectation can fail: a broker that refreshes only at expiry
    // serves the token inside the margin without trying once the outage
    // began, and no refusal of a refresh excuses that.
    let late = BrokerChoice::parse("mutant:refreshes-at-expiry").expect("known mutant");
    let judged = play_case(&schedule, &plan, &late, "outage").expect("runs");
    assert!(
        judged.outcome.violated("proactive_refresh"),
        "{:#?}",
        judged.outcome.violations
    );
}

#[test]
fn the_reference_broker_passes_bounded_cases_of_every_family() {
    for (index, focus) in [
        Focus::Tokens,
        Focus::Lifecycle,
        Focus::Restarts,
        Focus::Mail,
        Focus::Everything,
    ]
    .into_iter()
    .enumerate()
    {
        let options = ExploreOptions {
            cases: 16,
            seed: 1000 + index as u64,
            shape: test_shape(focus),
            determinism: focus == Focus::Everything,
            shrink_budget: 60,
            ..ExploreOptions::default()
        };
        let report = explore(&options, &reference(), &|_| {}).expect("explores");
        assert_eq!(report.cases, 16);
        assert!(
            report.nondeterministic.is_empty(),
            "{:?}",
            report.nondeterministic
        );
        assert_eq!(
            report.failed,
            0,
            "{focus:?}: {:#?}",
            report.findings.iter().map(|f| &f.text).collect::<Vec<_>>()
        );
    }
}

/// Every in-process mutant of the reference's invariants, found from a
/// random start within this test's budget (24 two-hour cases each).
/// Process mutants need real mode; the gateway mutants need sign-in and
/// relay steps explore does not generate yet. The five once never found
/// (`ignores-retry-after`, `archive-is-delete`, `resend-after-ack-lost`,
/// `serves-rejected-token`, `gmail-429-tight-loop`) and the two lost in
/// the merges (`retry-after-replaces-backoff`, `last-write-wins`) are found
/// through the follow-up steps (explore/follow_ups.rs) that bring each
/// fault the traffic that meets it.
const MUTANTS: &[&str] = &[
    "no-single-flight",
    "retry-after-revoked",
    "silent-outage",
    "logs-token",
    "logs-token-hex",
    "logs-basic-auth",
    "amnesiac-restart",
    "amnesiac-restart-transient",
    "sync-drops-last-page",
    "mailbox-in-memory",
    "stale-overwrite",
    "never-serves",
    "corrupts-token-file",
    "broad-scopes",
    "no-state-check",
    "ignores-retry-after",
    "retry-after-replaces-backoff",
    "last-write-wins",
    "archive-is-delete",
    "resend-after-ack-lost",
    "serves-rejected-token",
    "gmail-429-tight-loop",
    "refreshes-at-expiry",
];

#[test]
fn exploration_finds_each_mutant_and_shrinks_it_to_a_file_the_reference_passes() {
    // Two workers, one mutant each at a time: shrinking is sequential.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let problems = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(mutant) = MUTANTS.get(index) else {
                        break;
                    };
                    if let Err(problem) = find_and_shrink(index, mutant) {
                        problems.lock().unwrap().push(problem);
                    }
                }
            });
        }
    });
    let problems = problems.into_inner().unwrap();
    assert!(problems.is_empty(), "{problems:#?}");
}

fn find_and_shrink(index: usize, mutant: &str) -> Result<(), String> {
    let reference = reference();
    let target = target_of(mutant).expect("catalogued");
    let broker = BrokerChoice::parse(&format!("mutant:{mutant}")).expect("known mutant");
    let options = ExploreOptions {
        cases: 24,
        seed: 7 + index as u64,
        shape: test_shape(Focus::for_invariant(target)),
        invariant: Some(target.to_owned()),
        shrink_budget: 30,
        stop_after: 1,
        threads: 1,
        ..ExploreOptions::default()
    };
    let report = explore(&options, &broker, &|_| {}).expect("explores");
    let Some(finding) = report.findings.iter().find(|f| f.invariant == target) else {
        return Err(format!("{mutant}: not found in {} cases", report.cases));
    };
    if finding.steps.1 > finding.steps.0 {
        return Err(format!("{mutant}: shrinking grew the schedule"));
    }
    if !finding.text.contains(&format!("seed = {}", finding.seed))
        || !finding.text.contains("Witness")
    {
        return Err(format!(
            "{mutant}: the file lacks its seed or witness:\n{}",
            finding.text
        ));
    }
    if !confirm(&finding.text, &broker, target).expect("replays") {
        return Err(format!(
            "{mutant}: the shrunk file no longer fails {target}:\n{}",
            finding.text
        ));
    }
    let scenario = parse_scenario(&finding.text, "shrunk.toml").expect("parses");
    let (outcome, _) =
        harness::run::run_scenario("shrunk.toml".as_ref(), &scenario, &reference, None)
            .expect("runs");
    if outcome.verdict != Verdict::Passed {
        return Err(format!(
            "{mutant}: the reference does not pass its shrunk file ({:?}): {:#?}\n{}",
            outcome.verdict, outcome.violations, finding.text
        ));
    }
    Ok(())
}

#[test]
fn a_fleet_store_outage_is_written_on_every_instance_that_shares_the_store() {
    let outage = |instances| Schedule {
        seed: 3,
        duration: Duration::from_secs(3600),
        instances,
        accounts: 1,
        token_ttl: Duration::from_secs(3599),
        rotation_grace: None,
        token_latency: Duration::ZERO,
        steps: vec![TimedStep {
            at: Duration::from_secs(600),
            every: None,
            until: None,
            step: StepKind::StoreOutage {
                instance: 1,
                length: Duration::from_secs(60),
            },
        }],
    };
    let text = |schedule: &Schedule| {
        render_scenario(
            schedule,
            &InvariantPlan::for_schedule(schedule),
            "outage",
            &[],
        )
    };
    // Three instances share one store: its outage is each one's.
    let fleet = text(&outage(3));
    for instance in 0..3 {
        assert!(
            fleet.contains(&format!(
                "store_outage = {{ instance = {instance}, on = true }}"
            )),
            "{fleet}"
        );
    }
    // One instance with its own store: only its own.
    let single = text(&Schedule {
        steps: vec![TimedStep {
            step: StepKind::StoreOutage {
                instance: 0,
                length: Duration::from_secs(60),
            },
            ..outage(1).steps[0].clone()
        }],
        ..outage(1)
    });
    assert_eq!(single.matches("on = true").count(), 1, "{single}");
}

/// A process broker is explored the same way on the process timeline, with
/// a smaller budget: `status-shows-token` (a Python process) hands out its
/// access token in `status`, and one short case finds it and shrinks it.
#[test]
fn exploration_drives_a_process_broker_and_shrinks_what_it_finds() {
    let broker = BrokerChoice::parse("mutant:status-shows-token").expect("known mutant");
    let options = ExploreOptions {
        cases: 1,
        seed: 0,
        shape: ScheduleShape {
            duration: Duration::from_secs(1800),
            instances: (1, 1),
            accounts: (1, 1),
            max_steps: 3,
            focus: Focus::Everything,
        },
        invariant: Some("no_token_leak".to_owned()),
        shrink_budget: 3,
        threads: 1,
        ..ExploreOptions::default()
    };
    let report = explore(&options, &broker, &|_| {}).expect("explores");
    assert_eq!(report.cases, 1);
    assert_eq!(report.not_applicable, 0, "{:?}", report.not_applicable_why);
    let finding = report
        .findings
        .iter()
        .find(|f| f.invariant == "no_token_leak")
        .expect("the leak is found");
    assert!(finding.replays <= 3 && finding.steps.1 <= finding.steps.0);
    assert!(confirm(&finding.text, &broker, "no_token_leak").expect("replays"));
    // Two runs of a process never journal alike: determinism mode says so.
    let determinism = ExploreOptions {
        determinism: true,
        ..options
    };
    let refused = explore(&determinism, &broker, &|_| {}).expect_err("refused");
    assert_eq!(refused.exit_code(), harness::errors::EXIT_BAD_INPUT);
}
