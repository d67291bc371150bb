//! docs/PROTOCOL.md and this crate name the same protocol: every method,
//! error kind, account state, capability, error code and conformance level
//! the document names exists here, and everything here is in the document.

use oauth_chaos_protocol::{
    AccessTokenParams, AccountState, Capability, ErrorCode, ErrorKind, LEVELS, Method,
};
use std::collections::BTreeSet;

fn doc() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/PROTOCOL.md");
    std::fs::read_to_string(path).expect("docs/PROTOCOL.md is readable")
}

/// The words between backticks in `text`.
fn ticked(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn outside_parentheses(text: &str) -> String {
    let mut depth = 0usize;
    text.chars()
        .filter(|c| {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                _ => return depth == 0,
            }
            false
        })
        .collect()
}

/// Every table in the document: its header cells and its rows' cells.
fn tables(doc: &str) -> Vec<(Vec<String>, Vec<Vec<String>>)> {
    let cells = |line: &str| -> Vec<String> {
        line.trim()
            .trim_matches('|')
            .split('|')
            .map(|cell| cell.trim().to_owned())
            .collect()
    };
    let mut tables = Vec::new();
    let mut lines = doc.lines().peekable();
    while let Some(line) = lines.next() {
        if !line.starts_with('|') {
            continue;
        }
        let header = cells(line);
        let mut rows = Vec::new();
        while let Some(next) = lines.next_if(|next| next.starts_with('|')) {
            if !next.contains("---") {
                rows.push(cells(next));
            }
        }
        tables.push((header, rows));
    }
    tables
}

fn first_column_words(doc: &str, header: &str) -> BTreeSet<String> {
    tables(doc)
        .into_iter()
        .filter(|(head, _)| head.first().map(String::as_str) == Some(header))
        .flat_map(|(_, rows)| rows)
        .flat_map(|row| ticked(&row[0]))
        .collect()
}

#[test]
fn every_method_heading_is_a_method_and_every_method_has_a_heading() {
    let doc = doc();
    let headed: BTreeSet<String> = doc
        .lines()
        .filter(|line| line.starts_with("### "))
        // `### `sync` (level 4, capability `gmail`) and `gmail_request``:
        // the names outside the parentheses.
        .flat_map(|line| ticked(&outside_parentheses(line)))
        .collect();
    for name in &headed {
        assert!(
            Method::from_name(name).is_some(),
            "PROTOCOL.md has a heading for `{name}`, which the crate lacks"
        );
    }
    for method in Method::ALL {
        assert!(
            headed.contains(method.name()),
            "`{method}` has no `### ` heading in PROTOCOL.md"
        );
    }
}

#[test]
fn every_error_kind_in_a_kind_table_exists_and_every_kind_is_documented() {
    let doc = doc();
    let listed = first_column_words(&doc, "`data.kind`");
    assert!(listed.len() > 5, "no `data.kind` tables found: {listed:?}");
    for name in &listed {
        assert_ne!(
            ErrorKind::from_name(name),
            ErrorKind::Other,
            "PROTOCOL.md lists the kind `{name}`, which the crate lacks"
        );
    }
    for kind in ErrorKind::ALL {
        let name = kind.name();
        assert!(
            doc.contains(&format!("`{name}`")) || doc.contains(&format!("\"{name}\"")),
            "the kind `{name}` is not in PROTOCOL.md"
        );
    }
}

#[test]
fn the_state_table_lists_exactly_the_account_states() {
    let listed = first_column_words(&doc(), "`state`");
    let defined: BTreeSet<String> = AccountState::DEFINED
        .iter()
        .map(|state| state.as_str().to_owned())
        .collect();
    assert_eq!(listed, defined);
}

#[test]
fn the_capability_names_are_exactly_the_crates() {
    let doc = doc();
    let start = doc
        .find("Capability names:")
        .expect("a `Capability names:` line");
    let end = start + doc[start..].find(".\n").expect("the sentence ends");
    let listed: BTreeSet<String> = ticked(&doc[start..end]).into_iter().collect();
    let defined: BTreeSet<String> = Capability::DEFINED
        .iter()
        .map(|capability| capability.name().to_owned())
        .collect();
    assert_eq!(listed, defined);
}

#[test]
fn the_error_table_lists_exactly_the_error_codes() {
    let codes: BTreeSet<i64> = tables(&doc())
        .into_iter()
        .filter(|(head, _)| head.first().map(String::as_str) == Some("code"))
        .flat_map(|(_, rows)| rows)
        .map(|row| row[0].parse().expect("a numeric code"))
        .collect();
    let defined: BTreeSet<i64> = ErrorCode::ALL.iter().map(|code| code.code()).collect();
    assert_eq!(codes, defined);
}

#[test]
fn the_conformance_table_has_every_level_with_its_methods() {
    let doc = doc();
    let (_, rows) = tables(&doc)
        .into_iter()
        .find(|(head, _)| head.first().map(String::as_str) == Some("level") && head[1] == "methods")
        .expect("the conformance table");
    let rejected_param = serde_json::to_value(AccessTokenParams {
        account: "a".to_owned(),
        rejected: Some("t".to_owned()),
    })
    .expect("serializes");
    for row in &rows {
        for word in ticked(&row[1]) {
            let known = Method::from_name(&word).is_some()
                || Capability::DEFINED.iter().any(|c| c.name() == word)
                || rejected_param.get(&word).is_some();
            assert!(
                known,
                "the conformance table names `{word}`, which the crate lacks"
            );
        }
    }
    for level in LEVELS {
        rows.iter()
            .find(|row| {
                row[0] == level.level
                    && level
                        .methods
                        .iter()
                        .all(|method| ticked(&row[1]).iter().any(|word| word == method.name()))
            })
            .unwrap_or_else(|| {
                panic!(
                    "no conformance row {} with {:?}",
                    level.level, level.methods
                )
            });
        if let Some(capability) = level.capability {
            // `access_token`, `status` and `authorization` are named by
            // their methods; the others in a row of the table.
            let named_by_methods = matches!(
                capability,
                Capability::AccessToken | Capability::Status | Capability::Authorization
            );
            let named = rows
                .iter()
                .any(|row| ticked(&row[1]).iter().any(|word| word == capability.name()));
            assert!(
                named_by_methods || named,
                "the conformance table does not name capability `{}` (row {})",
                capability.name(),
                level.level,
            );
        }
    }
}
