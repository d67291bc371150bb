//! Whether a bench binary runs as a benchmark or as a quick test.
//!
//! `cargo bench` passes `--bench`; `cargo test --benches` does not, and then
//! criterion runs each routine once. Setups that only make sense at full size
//! (a journal of 10^6 entries, a storm of 10,000 callers) shrink in test mode
//! so a test run stays within seconds.

/// True under `cargo bench` (criterion measures), false under `cargo test`.
///
/// ```
/// // A doc test is not a bench run.
/// assert!(!benches::run_mode::is_bench_run());
/// ```
pub fn is_bench_run() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

/// `full` under `cargo bench`, `quick` under `cargo test`.
///
/// ```
/// assert_eq!(benches::run_mode::sized(1_000_000, 1_000), 1_000);
/// ```
pub fn sized(full: usize, quick: usize) -> usize {
    if is_bench_run() { full } else { quick }
}
