//! The Gmail scenarios against the reference broker: each one really
//! exercises what it names (crashes happen, history expires, acks are lost,
//! the grant is revoked), the mailbox converges, and runs replay exactly.

mod support;

use harness::broker::FailureKind;
use harness::choice::BrokerChoice;
use harness::run::{RunRecord, Verdict};
use mock_provider::Endpoint;
use std::collections::BTreeSet;

const GMAIL_SCENARIOS: &[&str] = &[
    "gmail-arrivals-and-deletions-during-sync.toml",
    "gmail-history-404-full-resync.toml",
    "gmail-kill-9-mid-sync.toml",
    "gmail-send-ack-lost.toml",
    "gmail-refresh-token-revoked-mid-sync.toml",
    "gmail-429-message-only-retry-time.toml",
    "gmail-mail-store-outage-during-sync.toml",
];

fn reference() -> BrokerChoice {
    BrokerChoice::parse("reference").expect("known broker")
}

fn passing_run(file: &str) -> RunRecord {
    let (outcome, record) = support::run_file(file, &reference());
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{file}: {:#?}",
        outcome.violations
    );
    for invariant in ["no_lost_email", "no_duplicate_email"] {
        assert!(
            outcome.checked.contains(&invariant),
            "{file} checks {invariant}"
        );
    }
    record
}

/// The store after the final sync is exactly Gmail's mailbox.
fn assert_converged(record: &RunRecord) {
    assert!(
        !record.email.settled.is_empty(),
        "the run settled a mailbox"
    );
    for settled in &record.email.settled {
        assert_eq!(settled.final_sync, Ok(()));
        let stored: BTreeSet<_> = settled.stored_after.iter().collect();
        let gmail: BTreeSet<_> = settled.at_provider.iter().collect();
        assert_eq!(stored, gmail);
        assert_eq!(stored.len(), settled.stored_after.len(), "no row twice");
    }
}

#[test]
fn every_gmail_scenario_passes_and_converges_to_gmails_mailbox() {
    for file in GMAIL_SCENARIOS {
        let record = passing_run(file);
        if *file != "gmail-refresh-token-revoked-mid-sync.toml" {
            assert_converged(&record);
        }
    }
}

#[test]
fn crashed_syncs_die_at_several_points_and_the_rerun_converges() {
    let record = passing_run("gmail-kill-9-mid-sync.toml");
    let crashed: Vec<u32> = record
        .email
        .syncs
        .iter()
        .filter(|s| s.result == Ok(true))
        .filter_map(|s| s.crash_at)
        .collect();
    assert!(crashed.len() >= 5, "{:#?}", record.email.syncs);
    assert_converged(&record);
}

#[test]
fn expired_history_answers_404_and_the_resync_drops_deleted_mail() {
    let record = passing_run("gmail-history-404-full-resync.toml");
    assert!(
        record
            .journal
            .iter()
            .any(|e| e.endpoint == Endpoint::GmailHistory && e.status == 404)
    );
    assert_converged(&record);
}

#[test]
fn sends_whose_ack_was_lost_are_each_in_sent_exactly_once() {
    let record = passing_run("gmail-send-ack-lost.toml");
    let lost_acks = record
        .journal
        .iter()
        .filter(|e| e.endpoint == Endpoint::GmailSend && e.status == 0)
        .count();
    assert_eq!(lost_acks, 3);
    assert_eq!(record.email.sends.len(), 5);
    assert!(record.email.sends.iter().all(|s| s.result.is_ok()));
    let sent = &record.email.settled[0].sent_subjects;
    assert_eq!(sent.len(), 5);
    assert!(sent.values().all(|n| *n == 1), "{sent:#?}");
}

#[test]
fn a_sync_cut_off_by_revocation_reports_it_and_keeps_what_was_stored() {
    let record = passing_run("gmail-refresh-token-revoked-mid-sync.toml");
    assert!(
        record
            .email
            .syncs
            .iter()
            .any(|s| s.result == Err(FailureKind::Revoked))
    );
    let settled = &record.email.settled[0];
    assert_eq!(settled.final_sync, Err(FailureKind::Revoked));
    assert!(settled.stored_before.len() >= 25);
    assert_eq!(settled.stored_after, settled.stored_before);
}

#[test]
fn the_gmail_429_storm_is_answered_and_sends_still_go_out_once() {
    let record = passing_run("gmail-429-message-only-retry-time.toml");
    assert!(record.journal.iter().any(|e| {
        e.status == 429
            && e.fault
                .as_deref()
                .is_some_and(|f| f.contains("message only"))
    }));
    // Sends cut off by the storm stay queued and go out with a later sync.
    assert!(
        record.email.sends.iter().any(|s| s.result.is_err()),
        "{:#?}",
        record.email.sends
    );
    let sent = &record.email.settled[0].sent_subjects;
    assert_eq!(sent.len(), 4, "{sent:#?}");
    assert!(sent.values().all(|n| *n == 1), "{sent:#?}");
}

#[test]
fn a_mailbox_store_outage_fails_syncs_that_later_converge() {
    let record = passing_run("gmail-mail-store-outage-during-sync.toml");
    assert!(
        record
            .email
            .syncs
            .iter()
            .any(|s| s.result == Err(FailureKind::Storage)),
        "{:#?}",
        record.email.syncs
    );
    assert_converged(&record);
}

#[test]
fn every_gmail_scenario_replays_to_the_same_journal_hash() {
    for file in GMAIL_SCENARIOS {
        let (first, _) = support::run_file(file, &reference());
        let (second, _) = support::run_file(file, &reference());
        assert_eq!(first.journal_hash, second.journal_hash, "{file}");
    }
}

#[test]
fn gmail_invariants_are_unknown_for_a_broker_without_the_gmail_capability() {
    // The naive broker behind the token mutants has no mail side: its
    // sync and send steps are skipped and the mail invariants are unknown,
    // never passed.
    let tokens_only = BrokerChoice::parse("mutant:logs-token").expect("known mutant");
    let (outcome, _) = support::run_file("gmail-send-ack-lost.toml", &tokens_only);
    assert_eq!(outcome.verdict, Verdict::Unknown, "{outcome:#?}");
    for invariant in ["no_lost_email", "no_duplicate_email"] {
        let judged = outcome.judgement(invariant).expect("checked");
        assert!(
            judged.reason().is_some_and(|r| r.contains("`gmail`")),
            "{invariant}: {judged:?}"
        );
    }
}

#[test]
fn the_sync_waits_for_gmails_message_only_retry_time_before_asking_again() {
    // The storm is mounted at 5m with "Retry after" 7m in its message; the
    // first Gmail request after it is the 6m sync.
    let record = passing_run("gmail-429-message-only-retry-time.toml");
    let start = record.started_at.expect("the run has a start");
    let minutes = |m: u64| start + std::time::Duration::from_secs(m * 60);
    let gmail: Vec<_> = record
        .journal
        .iter()
        .filter(|e| e.endpoint.is_gmail() && e.started_at >= minutes(5))
        .collect();
    let first = gmail.first().expect("gmail was called during the storm");
    assert_eq!(first.status, 429);
    assert!(first.started_at >= minutes(6));
    let next = gmail.get(1).expect("the sync asked again");
    assert!(
        next.started_at >= minutes(7),
        "asked again at {:?}, before the retry time",
        next.started_at
    );
    // Once the retry time has passed (the storm keeps naming it), the
    // broker backs off instead of retrying in the same instant: at most one
    // sync and one send meet on an endpoint at once.
    let mut same_instant = std::collections::BTreeMap::new();
    for entry in gmail.iter().filter(|e| e.status == 429) {
        *same_instant
            .entry((entry.started_at, entry.endpoint.as_str()))
            .or_insert(0) += 1;
    }
    let worst = same_instant.values().max().copied().unwrap_or(0);
    assert!(worst <= 2, "{worst} rate-limited requests in one instant");
}

#[test]
fn concurrent_sends_each_get_their_own_message_id_and_arrive_once() {
    let text = r#"
name = "overlapping-sends"
seed = 3
duration = "10m"

[[timeline]]
at = "0s"
action.send = { account = "alice@example.com", count = 3 }

[[timeline]]
at = "0s"
action.send = { account = "alice@example.com", count = 3 }

[invariants]
no_lost_email = {}
no_duplicate_email = {}
"#;
    let scenario =
        harness::scenario::parse_scenario(text, "overlapping-sends.toml").expect("parses");
    let (outcome, record) = harness::run::run_scenario(
        std::path::Path::new("overlapping-sends.toml"),
        &scenario,
        &reference(),
        None,
    )
    .expect("runs");
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{:#?}",
        outcome.violations
    );
    let acknowledged: BTreeSet<_> = record
        .email
        .sends
        .iter()
        .filter_map(|s| s.result.as_ref().ok())
        .collect();
    assert_eq!(acknowledged.len(), 6, "{:#?}", record.email.sends);
    let sent = &record.email.settled[0].sent_subjects;
    assert_eq!(sent.len(), 6);
    assert!(sent.values().all(|n| *n == 1));
}

#[test]
fn mail_deleted_while_its_fetch_is_held_is_gone_from_the_store_too() {
    let record = passing_run("gmail-arrivals-and-deletions-during-sync.toml");
    assert!(
        record
            .journal
            .iter()
            .any(|e| e.endpoint == Endpoint::GmailMessagesGet && e.status == 404),
        "a listed message was deleted before its fetch"
    );
    assert_converged(&record);
}
