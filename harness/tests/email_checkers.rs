//! The email checkers, fed hand-built records: each flags what it must and
//! nothing else.

use harness::broker::FailureKind;
use harness::checkers::{Checker, NoDuplicateEmail, NoLostEmail, Violation};
use harness::run::{EmailRecord, LogicalSend, RunRecord, SettledMailbox, StoredSnapshot};
use std::collections::BTreeMap;
use std::time::UNIX_EPOCH;

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn settled(at_provider: &[&str], before: &[&str], after: &[&str]) -> SettledMailbox {
    SettledMailbox {
        account: "alice@example.com".into(),
        at_provider: ids(at_provider),
        stored_before: ids(before),
        final_sync: Ok(()),
        stored_after: ids(after),
        sent_message_ids: BTreeMap::new(),
        sent_subjects: BTreeMap::new(),
    }
}

fn record(email: EmailRecord) -> RunRecord {
    RunRecord {
        email,
        ..RunRecord::default()
    }
}

fn lost(email: EmailRecord) -> Vec<Violation> {
    NoLostEmail.check(&record(email)).violations().to_vec()
}

fn duplicated(email: EmailRecord) -> Vec<Violation> {
    NoDuplicateEmail.check(&record(email)).violations().to_vec()
}

fn one_account(settled: SettledMailbox) -> EmailRecord {
    EmailRecord {
        settled: vec![settled],
        ..EmailRecord::default()
    }
}

#[test]
fn a_store_equal_to_gmail_after_the_final_sync_loses_nothing() {
    let email = one_account(settled(&["a", "b"], &["a"], &["a", "b"]));
    assert!(lost(email.clone()).is_empty());
    assert!(duplicated(email).is_empty());
}

#[test]
fn a_message_gmail_has_but_the_store_lacks_is_lost() {
    let violations = lost(one_account(settled(&["a", "b", "c"], &[], &["a", "b"])));
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert!(violations[0].message.contains("`c`"));
}

#[test]
fn a_revoked_final_sync_may_miss_new_mail_but_must_keep_what_was_stored() {
    let mut kept = settled(&["a", "b", "new"], &["a", "b"], &["a", "b"]);
    kept.final_sync = Err(FailureKind::Revoked);
    assert!(lost(one_account(kept)).is_empty());

    let mut wiped = settled(&["a", "b", "new"], &["a", "b"], &[]);
    wiped.final_sync = Err(FailureKind::Revoked);
    assert_eq!(lost(one_account(wiped)).len(), 2);
}

#[test]
fn a_final_sync_failing_with_every_fault_unmounted_is_a_loss() {
    let mut failed = settled(&["a"], &["a"], &["a"]);
    failed.final_sync = Err(FailureKind::Transient);
    let violations = lost(one_account(failed));
    assert_eq!(violations.len(), 1);
    assert!(violations[0].message.contains("final sync"));
}

#[test]
fn a_message_stored_earlier_and_still_in_gmail_must_not_disappear() {
    let mut email = one_account(settled(&["a", "b"], &["a"], &["a"]));
    email.settled[0].final_sync = Err(FailureKind::Revoked);
    email.snapshots.push(StoredSnapshot {
        instance: 0,
        account: "alice@example.com".into(),
        at: UNIX_EPOCH,
        ids: ids(&["a", "b", "deleted-at-gmail"]),
    });
    let violations = lost(email);
    // `b` vanished from the store; `deleted-at-gmail` was rightly removed.
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert!(violations[0].message.contains("`b`"));
}

fn send(logical: u64, message_id: &str) -> LogicalSend {
    LogicalSend {
        logical,
        account: "alice@example.com".into(),
        subject: format!("{} {logical}", harness::run::LOGICAL_SEND_SUBJECT),
        result: Ok(message_id.to_owned()),
    }
}

#[test]
fn an_acknowledged_send_missing_from_sent_is_lost() {
    let mut email = one_account(settled(&[], &[], &[]));
    email.settled[0].sent_message_ids.insert("<m1>".into(), 1);
    email.sends = vec![send(0, "<m1>"), send(1, "<m2>")];
    let violations = lost(email);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert!(violations[0].message.contains("<m2>"));
}

#[test]
fn a_permanently_refused_send_may_be_missing_from_sent() {
    let mut email = one_account(settled(&[], &[], &[]));
    let mut pending = send(0, "<m1>");
    pending.result = Err(FailureKind::Other);
    email.sends = vec![pending];
    assert!(lost(email).is_empty());
}

#[test]
fn a_message_id_in_sent_twice_is_a_duplicate() {
    let mut email = one_account(settled(&[], &[], &[]));
    email.settled[0].sent_message_ids.insert("<m1>".into(), 2);
    email.settled[0].sent_message_ids.insert("<m2>".into(), 1);
    let violations = duplicated(email);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert!(violations[0].message.contains("<m1>"));
}

#[test]
fn a_logical_send_delivered_twice_under_two_message_ids_is_a_duplicate() {
    let mut email = one_account(settled(&[], &[], &[]));
    let subject = format!("{} 3", harness::run::LOGICAL_SEND_SUBJECT);
    email.settled[0].sent_subjects.insert(subject, 2);
    assert_eq!(duplicated(email).len(), 1);
}

#[test]
fn a_message_stored_twice_is_a_duplicate_at_any_snapshot() {
    let mut email = one_account(settled(&["a"], &["a"], &["a"]));
    assert!(duplicated(email.clone()).is_empty());
    email.snapshots.push(StoredSnapshot {
        instance: 0,
        account: "alice@example.com".into(),
        at: UNIX_EPOCH,
        ids: ids(&["a", "a"]),
    });
    let violations = duplicated(email);
    assert_eq!(violations.len(), 1);
    assert!(violations[0].message.contains("2 times"));
}

#[test]
fn a_queued_send_still_undelivered_after_the_final_sync_is_lost() {
    let mut email = one_account(settled(&[], &[], &[]));
    let mut pending = send(0, "<m1>");
    pending.result = Err(FailureKind::Transient);
    email.sends = vec![pending];
    assert_eq!(lost(email.clone()).len(), 1);

    email.settled[0]
        .sent_subjects
        .insert(email.sends[0].subject.clone(), 1);
    assert!(lost(email.clone()).is_empty(), "delivered later: fine");

    email.settled[0].sent_subjects.clear();
    email.settled[0].final_sync = Err(FailureKind::Revoked);
    assert!(lost(email).is_empty(), "a revoked grant cannot deliver");
}

fn restart(before: &[&str], after: Result<&[&str], FailureKind>) -> harness::run::RestartSnapshot {
    harness::run::RestartSnapshot {
        instance: 0,
        account: "alice@example.com".into(),
        killed_at: UNIX_EPOCH,
        before: ids(before),
        read_at: UNIX_EPOCH + std::time::Duration::from_secs(5),
        after: after.map(ids),
    }
}

#[test]
fn mail_stored_before_a_kill_and_gone_after_the_restart_is_lost_even_if_a_resync_refills_it() {
    // The final comparison is clean: a full resync put everything back.
    let mut email = one_account(settled(&["a", "b"], &["a", "b"], &["a", "b"]));
    email.restarts = vec![restart(&["a", "b"], Ok(&[]))];
    let violations = lost(email.clone());
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert!(
        violations[0]
            .message
            .contains("2 of alice@example.com's messages")
    );
    // Kept across the restart: nothing lost.
    email.restarts = vec![restart(&["a", "b"], Ok(&["a", "b"]))];
    assert!(lost(email.clone()).is_empty());
    // A store a kill wipes by design (real mode, `memory`) is judged at the
    // end only.
    email.restarts = vec![restart(&["a", "b"], Ok(&[]))];
    email.volatile_store = true;
    assert!(lost(email).is_empty());
}

#[test]
fn a_message_deleted_at_gmail_before_the_restart_may_be_gone_after_it() {
    let mut email = one_account(settled(&["a"], &["a"], &["a"]));
    email.restarts = vec![restart(&["a", "b"], Ok(&["a"]))];
    email.deleted_at_gmail = vec![harness::run::GmailDeletion {
        account: "alice@example.com".into(),
        id: "b".into(),
        at: UNIX_EPOCH + std::time::Duration::from_secs(2),
    }];
    assert!(lost(email.clone()).is_empty());
    // A restarted broker that cannot list its mailbox cannot show it kept it.
    email.restarts = vec![restart(&["a"], Err(FailureKind::Storage))];
    assert!(lost(email)[0].message.contains("could not list"));
}
