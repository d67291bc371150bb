//! Reports of run outcomes: human text with a summary table (`human.rs`),
//! JSON (`json.rs`), JUnit XML for CI systems (`junit.rs`) and a
//! self-contained HTML timeline of a failing run (`timeline.rs`).

mod human;
mod json;
mod junit;
mod timeline;

pub use human::{render_outcome, render_summary, render_summary_table};
pub use json::render_json;
pub use junit::render_junit;
pub use timeline::render_timeline;
