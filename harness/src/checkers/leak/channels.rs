//! The places a broker can leak a secret through, as the run recorded
//! them, and how much of each there was to scan.

use crate::record::RunRecord;
use mock_provider::{Endpoint, JournalEntry};
use std::borrow::Cow;
use std::fmt::Write as _;

/// One place the scan reads, in parts scanned separately (a window never
/// spans two error messages or two store files).
#[derive(Debug)]
pub(super) struct Channel<'r> {
    /// Where a hit was, in a violation (`an error message`).
    pub name: &'static str,
    /// The channel in the coverage line (`error messages`).
    pub label: &'static str,
    /// What one part is, when the channel has several (`message`).
    pub unit: Option<&'static str>,
    /// Each part: an optional label (a store file's name) and its bytes.
    pub parts: Vec<(Option<&'r str>, Cow<'r, [u8]>)>,
}

impl Channel<'_> {
    /// Bytes in all parts.
    pub fn bytes(&self) -> usize {
        self.parts.iter().map(|(_, bytes)| bytes.len()).sum()
    }
}

/// Every byte channel of `run`.
pub(super) fn channels(run: &RunRecord) -> Vec<Channel<'_>> {
    fn borrowed(bytes: &[u8]) -> Cow<'_, [u8]> {
        Cow::Borrowed(bytes)
    }
    vec![
        Channel {
            name: "the broker's log",
            label: "broker log",
            unit: None,
            parts: vec![(None, borrowed(&run.broker_log))],
        },
        Channel {
            name: "an error message",
            label: "error messages",
            unit: Some("message"),
            parts: run
                .history
                .failure_messages()
                .into_iter()
                .map(|m| (None, borrowed(m.as_bytes())))
                .collect(),
        },
        Channel {
            name: "a request URL (in-process transport)",
            label: "in-process request URLs",
            unit: Some("URL"),
            parts: run
                .request_urls
                .iter()
                .map(|u| (None, borrowed(u.as_bytes())))
                .collect(),
        },
        Channel {
            name: "a protocol answer",
            label: "protocol answers",
            unit: None,
            parts: vec![(None, borrowed(&run.broker_answers))],
        },
        Channel {
            name: "a status answer",
            label: "status answers",
            unit: Some("poll"),
            parts: run
                .history
                .status_samples()
                .map(|sample| {
                    let mut text = String::new();
                    for report in &sample.accounts {
                        let _ = writeln!(text, "{} {}", report.account, report.state);
                    }
                    (None, Cow::Owned(text.into_bytes()))
                })
                .collect(),
        },
        Channel {
            name: "the store at rest",
            label: "store files at rest",
            unit: Some("part"),
            parts: run
                .store_bytes
                .iter()
                .map(|(label, bytes)| (Some(label.as_str()), borrowed(bytes)))
                .collect(),
        },
    ]
}

/// Requests the provider answered (admin calls are the harness's own):
/// the mock checks each one's URL for secrets and credential parameters.
pub(super) fn provider_requests(run: &RunRecord) -> impl Iterator<Item = &JournalEntry> {
    run.journal.iter().filter(|e| e.endpoint != Endpoint::Admin)
}

/// One line saying what was scanned: each channel with its parts and
/// bytes, how many URLs the provider checked, and what had nothing.
pub(super) fn coverage(channels: &[Channel<'_>], requests: usize) -> String {
    let (full, empty): (Vec<&Channel<'_>>, Vec<&Channel<'_>>) =
        channels.iter().partition(|c| c.bytes() > 0);
    let mut scanned: Vec<String> = full
        .iter()
        .map(|c| {
            let bytes = human_bytes(c.bytes());
            match c.unit {
                Some(unit) => {
                    let parts = c.parts.iter().filter(|(_, b)| !b.is_empty()).count();
                    let plural = if parts == 1 { "" } else { "s" };
                    format!("{} ({parts} {unit}{plural}, {bytes})", c.label)
                }
                None => format!("{} ({bytes})", c.label),
            }
        })
        .collect();
    scanned.push(format!("{requests} request URLs checked by the provider"));
    let mut line = format!("scanned {}", scanned.join(", "));
    if !empty.is_empty() {
        let names: Vec<&str> = empty.iter().map(|c| c.label).collect();
        let _ = write!(line, "; nothing captured in: {}", names.join(", "));
    }
    line
}

fn human_bytes(bytes: usize) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KIB {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{:.1} MiB", b / KIB / KIB)
    }
}
