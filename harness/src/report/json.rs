use crate::run::{RunOutcome, Verdict};
use serde_json::json;

/// Every outcome and a summary as pretty JSON.
///
/// ```
/// let text = harness::report::render_json(&[]);
/// assert!(text.contains("\"failed\": 0"));
/// ```
pub fn render_json(outcomes: &[RunOutcome]) -> String {
    let count = |v: Verdict| outcomes.iter().filter(|o| o.verdict == v).count();
    let replays: Vec<Option<String>> = outcomes
        .iter()
        .map(|o| (o.verdict == Verdict::Failed).then(|| o.replay_command()))
        .collect();
    let value = json!({
        "summary": {
            "passed": count(Verdict::Passed),
            "failed": count(Verdict::Failed),
            "not_applicable": count(Verdict::NotApplicable),
        },
        "outcomes": outcomes,
        "replay": replays,
    });
    // Outcomes are plain data; serializing them cannot fail.
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}
