//! Crash points reach broker processes: `crash_sync` SIGKILLs the process
//! while the mock holds its N-th request of the sync
//! (`broker/process/crash.rs`), and the mailbox lives in a SQLite store
//! the harness provisioned, so the reruns resume from what was committed.

mod support;

use harness::run::Verdict;

#[test]
fn a_sync_killed_at_its_requests_converges_in_the_reference_broker_process() {
    let (outcome, record) =
        support::run_file("gmail-kill-9-mid-sync.toml", &support::reference_broker());
    assert_eq!(outcome.mode, "real");
    assert!(
        outcome.skipped_steps.is_empty(),
        "{:?}",
        outcome.skipped_steps
    );
    assert_eq!(outcome.verdict, Verdict::Passed, "{outcome:#?}");
    for judged in ["no_lost_email", "no_duplicate_email"] {
        assert!(
            outcome.judgement(judged).is_some_and(|j| j.passed()),
            "{judged}: {:?}",
            outcome.judgement(judged)
        );
    }
    // Six crash syncs; the late crash points (40) outlast a short sync.
    let killed = record
        .email
        .syncs
        .iter()
        .filter(|sync| sync.crash_at.is_some() && sync.result == Ok(true))
        .count();
    assert!(
        killed >= 3,
        "{killed} syncs were killed: {:#?}",
        record.email.syncs
    );
    let log = String::from_utf8_lossy(&record.broker_log);
    assert_eq!(log.matches("[oauth-chaos] SIGKILL").count(), killed);
}

/// `kill-9-at-store-write` against the reference-broker process: the
/// harness SIGKILLs it at the first write inotify reports in its `file:`
/// store (the refresh lease it takes before refreshing), twice, and the
/// restarted process serves from what was committed with no new consent.
#[test]
fn the_reference_broker_process_dies_at_its_store_write_and_comes_back_from_what_it_committed() {
    use harness::record::KILLED_AT_STORE_WRITE;
    let (outcome, record) =
        support::run_file("kill-9-at-store-write.toml", &support::reference_broker());
    assert!(
        outcome.skipped_steps.is_empty(),
        "{:?}",
        outcome.skipped_steps
    );
    assert_eq!(outcome.verdict, Verdict::Passed, "{outcome:#?}");
    let crashes: Vec<_> = record
        .history
        .timeline()
        .filter(|event| event.what.contains(KILLED_AT_STORE_WRITE))
        .collect();
    assert_eq!(
        crashes.len(),
        2,
        "{:#?}",
        record.history.timeline().collect::<Vec<_>>()
    );
    let log = String::from_utf8_lossy(&record.broker_log);
    assert_eq!(log.matches("[oauth-chaos] SIGKILL").count(), 2);
    assert!(
        record
            .store_bytes
            .iter()
            .any(|(label, _)| label.contains("after the store-write crash")),
        "the store was read at rest after the crash"
    );
}
