//! Every TOML example in docs/SCENARIOS.md is valid scenario language: a
//! full file parses as it stands, and a bare `[[timeline]]` step parses
//! inside a minimal scenario (with both accounts the examples name).

use harness::scenario::parse_scenario;

const TOP: &str = r#"
name = "doc-example"
description = "an example from docs/SCENARIOS.md"
duration = "2h"
"#;

const PROVIDER: &str = r#"
[provider]
accounts = ["alice@example.com", "bob@example.com"]
"#;

fn toml_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```toml") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn every_example_in_the_scenario_language_guide_parses() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/SCENARIOS.md");
    let guide = std::fs::read_to_string(path).expect("docs/SCENARIOS.md");
    let blocks = toml_blocks(&guide);
    assert!(blocks.len() >= 20, "only {} examples found", blocks.len());
    let mut steps = 0;
    for (i, block) in blocks.iter().enumerate() {
        let first = block.trim_start();
        let text = if block.contains("name = ") {
            block.clone()
        } else if first.starts_with("[[timeline]]") {
            steps += 1;
            format!("{TOP}{PROVIDER}\n{block}")
        } else if let Some(provider_keys) = first.strip_prefix("[provider]\n") {
            // Continues the [provider] table with both accounts.
            format!("{TOP}{PROVIDER}{provider_keys}")
        } else if first.starts_with('[') {
            // A settings fragment ([broker], [invariants]).
            format!("{TOP}{PROVIDER}\n{block}")
        } else {
            // Top-level keys (e.g. `mode`) before the fragment's tables.
            format!("{TOP}{block}\n{PROVIDER}")
        };
        if let Err(error) = parse_scenario(&text, format!("SCENARIOS.md example {i}")) {
            panic!("example {i} does not parse: {error}\n{block}");
        }
    }
    assert!(steps >= 15, "only {steps} step examples");
}

/// The words in backticks of a table cell.
fn ticked(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

/// The invariants `file` of the library names in its `[invariants]`.
fn judged_by(file: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{file}: {error}"));
    harness::scenario::load_file(&path).unwrap_or_else(|error| panic!("{file}: {error}"));
    let section = text.split_once("[invariants]").map_or("", |(_, s)| s);
    section
        .lines()
        .filter_map(|line| {
            line.split_once(" =")
                .map(|(name, _)| name.trim().to_owned())
        })
        .collect()
}

#[test]
fn every_seed_system_row_names_library_files_that_judge_its_invariants() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/SCENARIOS.md");
    let guide = std::fs::read_to_string(path).expect("docs/SCENARIOS.md");
    let rows: Vec<Vec<&str>> = guide
        .lines()
        .filter(|line| line.starts_with("| auth worker |") || line.starts_with("| auth gateway |"))
        .map(|line| line.split(" | ").collect())
        .collect();
    assert!(
        rows.len() >= 8,
        "the seed-system table has {} rows",
        rows.len()
    );
    for row in rows {
        let (files, invariants) = (ticked(row[2]), ticked(row[3]));
        assert!(!files.is_empty() && !invariants.is_empty(), "{row:?}");
        let judged: Vec<Vec<String>> = files.iter().map(|file| judged_by(file)).collect();
        // Each file judges one of the row's invariants at least, and each
        // invariant of the row is judged by one of its files.
        for (file, names) in files.iter().zip(&judged) {
            assert!(
                invariants
                    .iter()
                    .any(|name| names.iter().any(|n| n == name)),
                "{file} judges none of {invariants:?}"
            );
        }
        for name in &invariants {
            assert!(
                judged.iter().flatten().any(|n| n == name),
                "no file of row {row:?} judges `{name}`"
            );
        }
    }
}
