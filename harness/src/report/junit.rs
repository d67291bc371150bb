use crate::run::{RunOutcome, Verdict};
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

/// A JUnit XML report: one test suite per broker, one test case per
/// scenario; failures carry every violation, the seed and the replay
/// command; unknown and not-applicable scenarios are skipped with their
/// reasons (never a success). Every case lists its invariants' judgements
/// and its `access_token` calls by result as properties and in its output.
///
/// ```
/// let xml = harness::report::render_junit(&[]);
/// assert!(xml.contains("<testsuites"));
/// ```
pub fn render_junit(outcomes: &[RunOutcome]) -> String {
    let mut report = Report::new("oauth-chaos");
    let mut brokers: Vec<&str> = outcomes.iter().map(|o| o.broker.as_str()).collect();
    brokers.sort_unstable();
    brokers.dedup();
    for broker in brokers {
        let mut suite = TestSuite::new(broker);
        for outcome in outcomes.iter().filter(|o| o.broker == broker) {
            let status = match outcome.verdict {
                Verdict::Passed => TestCaseStatus::success(),
                Verdict::NotApplicable => {
                    let mut status = TestCaseStatus::skipped();
                    status.set_message(outcome.note.clone().unwrap_or_default());
                    status
                }
                Verdict::Unknown => {
                    let mut status = TestCaseStatus::skipped();
                    let unknown: Vec<String> = outcome
                        .unknowns()
                        .into_iter()
                        .map(|(invariant, reason)| format!("{invariant}: {reason}"))
                        .collect();
                    status.set_message(format!("unknown: {}", unknown.join("; ")));
                    status.set_type("unknown");
                    status
                }
                Verdict::Failed => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    let mut invariants: Vec<&str> =
                        outcome.violations.iter().map(|v| v.invariant).collect();
                    invariants.dedup();
                    status.set_message(format!("violated: {}", invariants.join(", ")));
                    status.set_type("invariant violation");
                    let mut description: String = outcome
                        .violations
                        .iter()
                        .map(|v| format!("{}: {}\n", v.invariant, v.message))
                        .collect();
                    description.push_str(&format!(
                        "seed: {}\nreplay: {}\n",
                        outcome.seed,
                        outcome.replay_command()
                    ));
                    status.set_description(description);
                    status
                }
            };
            let mut case = TestCase::new(outcome.scenario.clone(), status);
            case.set_classname(outcome.path.display().to_string());
            case.set_time(outcome.wall_time);
            let mut out = String::new();
            for result in &outcome.invariants {
                case.add_property(Property::new(
                    format!("invariant.{}", result.invariant),
                    result.judgement.label(),
                ));
                out.push_str(&format!(
                    "{}: {}",
                    result.invariant,
                    result.judgement.label()
                ));
                if let Some(reason) = result.judgement.reason() {
                    out.push_str(&format!(" ({reason})"));
                }
                out.push('\n');
            }
            for (result, n) in &outcome.calls_by_result {
                case.add_property(Property::new(format!("calls.{result}"), n.to_string()));
                out.push_str(&format!("calls {result}: {n}\n"));
            }
            case.set_system_out(out);
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    // Writing XML into a String cannot fail.
    report.to_string().unwrap_or_default()
}
