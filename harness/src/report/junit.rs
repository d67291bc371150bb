use crate::run::{RunOutcome, Verdict};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

/// A JUnit XML report: one test suite per broker, one test case per
/// scenario; failures carry every violation, the seed and the replay
/// command; not-applicable scenarios are skipped with their reason.
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
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    // Writing XML into a String cannot fail.
    report.to_string().unwrap_or_default()
}
