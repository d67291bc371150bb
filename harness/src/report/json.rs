use crate::run::{RunOutcome, Verdict};
use serde_json::json;

/// Every outcome (with each invariant's judgement and the calls by result)
/// and a summary as pretty JSON.
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
    let unknown_invariants: usize = outcomes.iter().map(|o| o.unknowns().len()).sum();
    let mut calls: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for outcome in outcomes {
        for (result, n) in &outcome.calls_by_result {
            *calls.entry(result).or_insert(0) += n;
        }
    }
    let value = json!({
        "summary": {
            "passed": count(Verdict::Passed),
            "failed": count(Verdict::Failed),
            "unknown": count(Verdict::Unknown),
            "not_applicable": count(Verdict::NotApplicable),
            "unknown_invariants": unknown_invariants,
            "calls": calls,
        },
        "outcomes": outcomes,
        "replay": replays,
    });
    // Outcomes are plain data; serializing them cannot fail.
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}
