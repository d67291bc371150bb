//! The README's Rust snippets in "The auth worker and the auth gateway" are
//! the code of `examples/auth_worker_and_gateway.rs`, which cargo builds
//! with the tests and which runs against the mock: every line of every
//! snippet there is a line of the example (spaces aside).

/// Lines with their runs of whitespace made one space.
fn normalized(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect()
}

#[test]
fn the_auth_worker_and_gateway_snippets_are_lines_of_the_example() {
    let readme = include_str!("../../README.md");
    let example = normalized(include_str!("../examples/auth_worker_and_gateway.rs"));
    let section = readme
        .split("## The auth worker and the auth gateway")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the README has the section");
    let snippets: Vec<&str> = section
        .split("```rust\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .collect();
    assert_eq!(snippets.len(), 3, "service accounts, relay, sign-in");
    for snippet in snippets {
        for line in normalized(snippet) {
            assert!(
                example.contains(&line),
                "README line `{line}` is not in examples/auth_worker_and_gateway.rs"
            );
        }
    }
}
