//! Control brokers in `examples/adapters/`: brokers that are wrong on
//! purpose, run through the process protocol, that the library must fail.

mod support;

use harness::broker::ProcessBroker;
use harness::choice::BrokerChoice;
use harness::run::Verdict;
use harness::scenario::Action;
use std::sync::Arc;

fn adapter(name: &str) -> BrokerChoice {
    let script = support::library().join(format!("../examples/adapters/{name}/broker.py"));
    BrokerChoice::custom(Arc::new(ProcessBroker::command(format!(
        "python3 {}",
        script.display()
    ))))
}

#[test]
fn a_broker_that_never_serves_fails_every_real_scenario_that_asks_for_a_token() {
    let never = adapter("never-serves");
    let mut failed = 0;
    for (path, scenario) in support::scenarios() {
        let asks = scenario
            .timeline
            .iter()
            .any(|step| matches!(step.get_ref().action, Action::TokenRequests(_)));
        if scenario.mode != harness::scenario::Mode::Real || !asks {
            continue;
        }
        let (outcome, _) =
            harness::run::run_scenario(&path, &scenario, &never, None).expect("the run completes");
        if outcome.verdict == Verdict::NotApplicable {
            // A store kind the adapter declines, or a machine without a
            // requirement: not a pass either.
            continue;
        }
        assert_eq!(
            outcome.verdict,
            Verdict::Failed,
            "{}: {outcome:#?}",
            path.display()
        );
        assert!(outcome.violated("availability"), "{}", path.display());
        failed += 1;
    }
    assert!(failed >= 5, "only {failed} real scenarios ask for tokens");
}

fn wrong_tokens(flaw: &str) -> BrokerChoice {
    let script = support::library().join("../examples/adapters/wrong-tokens/broker.py");
    BrokerChoice::custom(Arc::new(ProcessBroker::command(format!(
        "python3 {} {flaw}",
        script.display()
    ))))
}

#[test]
fn brokers_answering_with_tokens_that_are_not_the_accounts_fail_availability() {
    // Every call of both is answered at once and their status stays green:
    // only whose token each answer is tells them from a working broker.
    for (flaw, whose) in [
        ("--forge", "the provider never issued"),
        ("--one-slot", "the provider issued for alice@example.com"),
    ] {
        let (outcome, _) = support::run_file(
            "two-accounts-each-get-their-own-token.toml",
            &wrong_tokens(flaw),
        );
        assert_eq!(outcome.verdict, Verdict::Failed, "{flaw}: {outcome:#?}");
        let violations: Vec<_> = outcome
            .violations
            .iter()
            .filter(|v| v.invariant == "availability")
            .collect();
        assert!(
            violations.iter().any(|v| v.message.contains(whose)),
            "{flaw}: {violations:#?}"
        );
    }
}
