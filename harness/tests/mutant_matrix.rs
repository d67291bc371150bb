//! Every mutant fails exactly the checker it targets, on the scenarios
//! built for it, and the reference broker passes those same scenarios.

mod support;

use harness::broker::{BrokerChoice, MUTANTS};
use harness::mutants::target_of;
use harness::run::Verdict;

/// Each mutant and the library scenarios that expose it.
const MATRIX: &[(&str, &[&str])] = &[
    (
        "no-single-flight",
        &["thundering-herd.toml", "slow-token-endpoint.toml"],
    ),
    (
        "retry-after-revoked",
        &[
            "revoked-mid-run.toml",
            "revoked-under-load.toml",
            "storm-then-revoked.toml",
        ],
    ),
    (
        "ignores-retry-after",
        &[
            "token-endpoint-429-quiet-account.toml",
            "token-endpoint-503-retry-after.toml",
        ],
    ),
    (
        "retry-after-replaces-backoff",
        &["token-endpoint-429-retry-after-1.toml"],
    ),
    (
        "silent-outage",
        &["revoked-mid-run.toml", "revoked-before-first-call.toml"],
    ),
    ("logs-token", &["trace-logging-refresh-storm.toml"]),
    ("amnesiac-restart", &["kill-9-restart.toml"]),
    ("amnesiac-restart-transient", &["kill-9-restart.toml"]),
    ("mailbox-in-memory", &["gmail-kill-9-between-syncs.toml"]),
    (
        "sync-drops-last-page",
        &[
            "gmail-history-404-full-resync.toml",
            "gmail-kill-9-mid-sync.toml",
            "gmail-mail-store-outage-during-sync.toml",
        ],
    ),
    ("resend-after-ack-lost", &["gmail-send-ack-lost.toml"]),
    ("archive-is-delete", &["gmail-label-churn-during-sync.toml"]),
    ("broad-scopes", &["broader-scopes-than-declared.toml"]),
    (
        "no-state-check",
        &["forged-callback-state-and-replayed-code.toml"],
    ),
    ("stale-overwrite", &["rotation-refresh-token-reuse.toml"]),
    ("last-write-wins", &["two-workers-one-token-file.toml"]),
    (
        "serves-rejected-token",
        &["access-token-invalidated-early.toml"],
    ),
];

/// Invariants a mutant's flaw also truly breaks besides its target, with
/// why: the matrix allows these and no others.
fn also_breaks(mutant: &str) -> &'static [&'static str] {
    match mutant {
        // Retrying a refused grant means classifying it as transient, so
        // its callers are told "try again" instead of `revoked`.
        "retry-after-revoked" => &["availability"],
        // Forgetting every grant on restart, it tells callers `revoked`
        // although the provider never refused one: a false alarm.
        "amnesiac-restart" => &["availability"],
        // The same loss told as "the provider is down": availability sees
        // a `transient` the provider never caused.
        "amnesiac-restart-transient" => &["availability"],
        _ => &[],
    }
}

#[test]
fn every_mutant_is_in_the_matrix() {
    for (name, _) in MUTANTS {
        assert!(
            MATRIX.iter().any(|(m, _)| m == name),
            "mutant `{name}` has no scenario that exposes it"
        );
    }
}

#[test]
fn each_mutant_fails_exactly_the_checker_it_targets() {
    for (mutant, files) in MATRIX {
        let target = target_of(mutant).expect("catalogued mutant");
        let broker = BrokerChoice::parse(&format!("mutant:{mutant}")).expect("known mutant");
        for file in *files {
            let (outcome, _) = support::run_file(file, &broker);
            assert_eq!(outcome.verdict, Verdict::Failed, "{mutant} on {file}");
            assert!(
                outcome.checked.contains(&target),
                "{file} does not check {target}"
            );
            let wrong: Vec<_> = outcome
                .violations
                .iter()
                .filter(|v| v.invariant != target && !also_breaks(mutant).contains(&v.invariant))
                .collect();
            assert!(
                outcome.violated(target) && wrong.is_empty(),
                "{mutant} on {file} should violate only {target}: {:#?}",
                outcome.violations
            );
        }
    }
}

#[test]
fn the_reference_broker_passes_every_scenario_of_the_matrix() {
    let reference = BrokerChoice::parse("reference").expect("known broker");
    for (_, files) in MATRIX {
        for file in *files {
            let (outcome, _) = support::run_file(file, &reference);
            assert_eq!(
                outcome.verdict,
                Verdict::Passed,
                "{file}: {:#?}",
                outcome.violations
            );
        }
    }
}

#[test]
fn the_correct_naive_broker_passes_the_matrix_too() {
    // The mutants' base with no knob flipped: proves each failure comes from
    // the flipped knob, not from the naive broker's simplicity.
    let correct = BrokerChoice::custom(std::sync::Arc::new(CorrectNaive));
    for (_, files) in MATRIX {
        for file in *files {
            // The naive broker has no authorization flow: those mutants
            // are built on the reference instead.
            if needs_authorization(file) {
                continue;
            }
            let (outcome, _) = support::run_file(file, &correct);
            if outcome.verdict == Verdict::Unknown
                && outcome
                    .invariants
                    .iter()
                    .filter(|r| r.named)
                    .filter_map(|r| r.judgement.reason())
                    .all(|reason| reason.contains("`gmail`"))
            {
                // The naive broker has no mail side; the email mutants'
                // base is the reference broker, which passes below.
                continue;
            }
            assert_eq!(
                outcome.verdict,
                Verdict::Passed,
                "{file}: {:#?}",
                outcome.violations
            );
        }
    }
}

#[derive(Debug)]
struct CorrectNaive;

#[async_trait::async_trait]
impl harness::broker::BrokerFactory for CorrectNaive {
    fn name(&self) -> String {
        "naive-correct".to_owned()
    }

    async fn build(
        &self,
        env: harness::broker::BrokerEnv,
    ) -> Result<std::sync::Arc<dyn harness::broker::BrokerUnderTest>, harness::broker::BrokerFailure>
    {
        Ok(std::sync::Arc::new(harness::mutants::NaiveBroker::new(
            env,
            harness::mutants::NaiveKnobs::correct(),
        )))
    }
}

fn needs_authorization(file: &str) -> bool {
    let scenario =
        harness::scenario::load_file(&support::library().join(file)).expect("the scenario loads");
    harness::run::needed_capabilities(&scenario).authorization
}
