//! Every mutant fails exactly the checker it targets, on the scenarios
//! built for it, and the reference broker passes those same scenarios.

mod support;

use harness::checkers::{checkers_for, judge};
use harness::choice::{BrokerChoice, MUTANTS};
use harness::mutants::target_of;
use harness::run::{RunRecord, Verdict};

/// Each mutant and the library scenarios that expose it: the mutant table
/// (`harness::mutants::MUTANT_CATALOGUE`).
fn matrix() -> impl Iterator<Item = (&'static str, &'static [&'static str])> {
    MUTANTS.iter().map(|entry| (entry.name, entry.scenarios))
}

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
        // Blind uploads come without the bucket's lease: each component
        // refreshes on its own, so the fleet refreshes twice per expiry.
        "bucket-last-write-wins" => &["single_flight_refresh"],
        _ => &[],
    }
}

#[test]
fn every_mutant_is_in_the_matrix() {
    for (name, files) in matrix() {
        assert!(
            !files.is_empty(),
            "mutant `{name}` has no scenario that exposes it"
        );
        for file in files {
            assert!(
                support::library().join(file).is_file(),
                "mutant `{name}`: no scenario file `{file}`"
            );
        }
    }
}

#[test]
fn each_mutant_fails_exactly_the_checker_it_targets() {
    for (mutant, files) in matrix() {
        let target = target_of(mutant).expect("catalogued mutant");
        let broker = BrokerChoice::parse(&format!("mutant:{mutant}")).expect("known mutant");
        for file in files {
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
    for (_, files) in matrix() {
        for file in files {
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
    for (_, files) in matrix() {
        for file in files {
            // The naive broker has no authorization flow: those mutants
            // are built on the reference instead.
            if needs_authorization(file) || needs_gateway(file) || syncs_through_a_bucket(file) {
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
    ) -> Result<std::sync::Arc<dyn harness::broker::BrokerInstance>, harness::broker::BrokerFailure>
    {
        Ok(std::sync::Arc::new(harness::mutants::NaiveBroker::new(
            env,
            harness::mutants::NaiveKnobs::correct(),
        )))
    }
}

/// Sign-in, service accounts and the relay: the gateway mutants are built on
/// the reference, which has them; the naive broker does not.
fn needs_gateway(file: &str) -> bool {
    let scenario =
        harness::scenario::load_file(&support::library().join(file)).expect("the scenario loads");
    harness::run::needed_gateway(&scenario) != harness::broker::GatewayCapabilities::default()
}

/// The bucket mutants are built on the reference (its bucket store and its
/// alert); the naive broker has neither.
fn syncs_through_a_bucket(file: &str) -> bool {
    let scenario =
        harness::scenario::load_file(&support::library().join(file)).expect("the scenario loads");
    scenario.broker.store == "bucket"
}

fn needs_authorization(file: &str) -> bool {
    let scenario =
        harness::scenario::load_file(&support::library().join(file)).expect("the scenario loads");
    harness::run::needed_capabilities(&scenario).authorization
}

/// The matrix's "unknown" column: each mutant's failing run, with the data
/// its target checker judges taken out, must be judged unknown, never
/// passed. A checker that passed without its data would pass a broker it
/// never looked at.
#[test]
fn each_target_checker_says_unknown_when_its_data_is_missing() {
    for (mutant, files) in matrix() {
        let target = target_of(mutant).expect("catalogued mutant");
        let broker = BrokerChoice::parse(&format!("mutant:{mutant}")).expect("known mutant");
        let file = files[0];
        let scenario = harness::scenario::load_file(&support::library().join(file))
            .expect("the scenario loads");
        let (_, mut record) = support::run_file(file, &broker);
        strip_data_of(target, &mut record);
        let checkers = checkers_for(&scenario.invariants);
        let checker = checkers
            .iter()
            .find(|c| c.name() == target)
            .expect("the scenario checks the target");
        let judged = judge(checker.as_ref(), &record);
        assert!(
            judged.is_unknown(),
            "{target} without its data on {file} ({mutant}) said {judged:?}"
        );
    }
}

/// Removes from `record` what `invariant`'s checker judges.
fn strip_data_of(invariant: &str, record: &mut RunRecord) {
    match invariant {
        "single_flight_refresh" => record.journal.retain(|e| !e.is_refresh()),
        "retry_discipline" => record
            .journal
            .retain(|e| !e.is_refresh() && !e.endpoint.is_gmail()),
        "proactive_refresh" | "availability" => {
            record
                .history
                .retain(|e| !matches!(e, harness::run::Event::Served(_)));
            record
                .journal
                .retain(|e| e.endpoint == mock_provider::Endpoint::Token);
        }
        "outage_surfaced" | "alert_raised" => record
            .history
            .retain(|e| !matches!(e, harness::run::Event::Status(_))),
        "no_token_leak" => {
            record.broker_log.clear();
            record.history.retain(|e| {
                !matches!(
                    e,
                    harness::run::Event::Failure { .. } | harness::run::Event::Status(_)
                )
            });
            record.request_urls.clear();
            record.broker_answers.clear();
            record.store_bytes.clear();
            // The provider's view of every URL.
            record.journal.clear();
        }
        "survives_restart" => record
            .history
            .retain(|e| !matches!(e, harness::run::Event::Timeline(t) if t.kind == "restart")),
        "no_lost_email" | "no_duplicate_email" => {
            record.email = harness::run::EmailRecord::default();
        }
        "least_privilege" | "csrf_protected" => {
            record.auth.authorize_requests.clear();
            record.auth.forged_callbacks.clear();
            record.gateway.relay_calls.clear();
        }
        "no_stale_overwrite" => {
            record.auth.store_writes.clear();
            record.auth.rotation_grace = None;
        }
        "no_rejected_token_reuse" => record.auth.api_calls.clear(),
        "id_token_verified" => record.gateway.sign_ins.clear(),
        "no_credential_to_consumer" | "relay_consumers_available" => {
            record.gateway.relay_calls.clear();
        }
        other => panic!("no way to strip the data of `{other}`: add one"),
    }
}
