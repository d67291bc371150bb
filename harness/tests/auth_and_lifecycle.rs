//! Consent, forged callbacks, rotation, lifecycle events and store faults:
//! the scenarios pass on the reference broker, and the checkers for them
//! catch synthetic records that break them.

mod support;

use harness::broker::StoreWrite;
use harness::checkers::{Checker, CsrfProtected, LeastPrivilege, NoStaleOverwrite, OutageSurfaced};
use harness::choice::BrokerChoice;
use harness::run::{AuthRecord, AuthorizeRequest, ForgedCallback, RunRecord, Verdict};
use harness::scenario::{ForgeKind, OutageSurfacedParams};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";

fn reference() -> BrokerChoice {
    BrokerChoice::parse("reference").expect("known broker")
}

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000 + seconds)
}

fn passes(file: &str) -> RunRecord {
    let (outcome, record) = support::run_file(file, &reference());
    assert_eq!(
        outcome.verdict,
        Verdict::Passed,
        "{file}: {:#?} {:?}",
        outcome.violations,
        outcome.note
    );
    record
}

fn last_state_of(record: &RunRecord, account: &str) -> String {
    record
        .history
        .status_samples()
        .rev()
        .find_map(|s| s.accounts.iter().find(|a| a.account == account))
        .map(|a| a.state.to_string())
        .unwrap_or_default()
}

#[test]
fn the_reference_rejects_every_forged_callback_and_asks_for_s256_and_the_declared_scopes() {
    let record = passes("forged-callback-state-and-replayed-code.toml");
    let kinds: Vec<_> = record
        .auth
        .forged_callbacks
        .iter()
        .map(|f| f.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            ForgeKind::WrongState,
            ForgeKind::Replayed,
            ForgeKind::ForeignCode
        ]
    );
    assert!(record.auth.forged_callbacks.iter().all(|f| !f.accepted));
    assert_eq!(record.auth.consents.len(), 1);
    assert!(record.auth.consents[0].result.is_ok());
    // One genuine consent plus one per forgery.
    assert_eq!(record.auth.authorize_requests.len(), 4);
    for request in &record.auth.authorize_requests {
        assert_eq!(request.scopes, [READONLY]);
        assert_eq!(request.code_challenge_method.as_deref(), Some("S256"));
        assert!(request.has_state);
    }
}

#[test]
fn the_no_state_check_mutant_accepts_the_wrong_state_and_nothing_else() {
    let broker = BrokerChoice::parse("mutant:no-state-check").expect("known mutant");
    let (outcome, record) =
        support::run_file("forged-callback-state-and-replayed-code.toml", &broker);
    assert_eq!(outcome.verdict, Verdict::Failed);
    let accepted: Vec<_> = record
        .auth
        .forged_callbacks
        .iter()
        .filter(|f| f.accepted)
        .map(|f| f.kind)
        .collect();
    assert_eq!(accepted, [ForgeKind::WrongState]);
}

#[test]
fn the_broad_scopes_mutant_asks_for_full_gmail_access() {
    let broker = BrokerChoice::parse("mutant:broad-scopes").expect("known mutant");
    let (outcome, record) = support::run_file("broader-scopes-than-declared.toml", &broker);
    assert!(outcome.violated("least_privilege"), "{outcome:?}");
    assert!(
        record.auth.authorize_requests[0]
            .scopes
            .iter()
            .any(|s| s == "https://mail.google.com/")
    );
}

#[test]
fn the_stale_overwrite_mutant_trips_reuse_detection_and_the_reference_does_not() {
    let broker = BrokerChoice::parse("mutant:stale-overwrite").expect("known mutant");
    let (outcome, record) = support::run_file("rotation-refresh-token-reuse.toml", &broker);
    assert!(outcome.violated("no_stale_overwrite"));
    // The provider took the reuse for theft: the grant is dead.
    assert!(
        record
            .journal
            .iter()
            .any(|e| e.is_refresh() && e.error.as_deref() == Some("invalid_grant"))
    );
    let reference = passes("rotation-refresh-token-reuse.toml");
    assert!(reference.journal.iter().all(|e| e.error.is_none()));
}

#[test]
fn two_reference_instances_on_one_store_refresh_once_per_generation_under_rotation() {
    let record = passes("rotation-two-instances-racing.toml");
    assert!(record.journal.iter().all(|e| e.error.is_none()));
    let refreshes = record.journal.iter().filter(|e| e.is_refresh()).count();
    // About one per hour of the 4-hour run, for both instances together.
    assert!((4..=6).contains(&refreshes), "{refreshes} refreshes");
    let versions: Vec<u64> = record.auth.store_writes.iter().map(|w| w.version).collect();
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    assert!(record.auth.store_writes.iter().all(|w| w.store == "shared"));
}

#[test]
fn a_password_change_ends_only_that_accounts_grant_and_is_surfaced() {
    let record = passes("password-change.toml");
    assert_eq!(last_state_of(&record, "alice@example.com"), "needs_reauth");
    assert_eq!(last_state_of(&record, "bob@example.com"), "ok");
}

#[test]
fn consents_past_the_limit_evict_the_brokers_grant() {
    let record = passes("refresh-token-limit-eviction.toml");
    let exchanges = record
        .journal
        .iter()
        .filter(|e| e.grant_type.as_deref() == Some("authorization_code") && e.succeeded())
        .count();
    assert_eq!(exchanges, 3);
    assert_eq!(last_state_of(&record, "alice@example.com"), "needs_reauth");
}

#[test]
fn a_testing_mode_grant_dies_after_seven_days() {
    let record = passes("testing-mode-7-day-expiry.toml");
    assert_eq!(last_state_of(&record, "alice@example.com"), "needs_reauth");
}

#[test]
fn an_early_invalidated_token_costs_one_forced_refresh_for_all_callers() {
    let record = passes("access-token-invalidated-early.toml");
    let outcomes: Vec<&str> = record
        .history
        .timeline()
        .filter(|e| e.kind == "gmail_profile")
        .map(|e| e.what.as_str())
        .collect();
    // The first caller meets the 401 and forces the refresh; the second
    // gets the fresh token (or meets the 401 too and shares the refresh).
    assert_eq!(outcomes.len(), 2);
    // The event names the refresh the journal shows, and the retry's status.
    let forced_seq = record
        .journal
        .iter()
        .find(|e| e.is_refresh() && e.seq > 0)
        .expect("a forced refresh")
        .seq;
    assert_eq!(
        outcomes[0],
        format!(
            "gmail profile: 401, then refresh #{forced_seq} (200); the broker served the new token; the retry got 200"
        )
    );
    assert!(outcomes.iter().all(|o| o.ends_with("200")), "{outcomes:?}");
    let calls = &record.auth.api_calls;
    assert_eq!(calls[0].status, Some(401));
    let retry = calls[0].after_401.as_ref().expect("the 401 was reported");
    assert_eq!(retry.status, Some(200));
    assert_ne!(retry.token, calls[0].token, "a new token for the retry");
    let start = record.started_at.expect("started");
    let forced = record
        .journal
        .iter()
        .filter(|e| e.is_refresh())
        .filter(|e| e.started_at >= start + Duration::from_secs(20 * 60))
        .filter(|e| e.started_at <= start + Duration::from_secs(22 * 60))
        .count();
    assert_eq!(forced, 1);
}

#[test]
fn a_read_only_store_keeps_tokens_flowing_and_shows_degraded() {
    let record = passes("store-read-only-after-refresh.toml");
    assert!(record.history.served().all(|s| s.result.is_ok()));
    assert!(record.history.status_samples().any(|s| {
        s.accounts
            .iter()
            .any(|a| a.account == "alice@example.com" && a.state == "degraded")
    }));
}

#[test]
fn failing_store_writes_cost_no_extra_refresh() {
    let record = passes("store-write-fails-after-refresh.toml");
    assert!(record.history.served().all(|s| s.result.is_ok()));
    let refreshes = record.journal.iter().filter(|e| e.is_refresh()).count();
    assert_eq!(refreshes, 4, "one per hour of the 3-hour run");
}

#[test]
fn store_fault_steps_are_skipped_for_brokers_without_store_faults_and_only_outage_is_unknown() {
    // The naive broker has no store hooks: the store steps are skipped,
    // outage_surfaced (which judges them) is unknown, and everything else
    // is judged on the run that did happen.
    let naive = BrokerChoice::parse("mutant:logs-token").expect("known mutant");
    let (outcome, _) = support::run_file("store-read-only-after-refresh.toml", &naive);
    assert_eq!(outcome.verdict, Verdict::Unknown, "{outcome:#?}");
    assert!(
        outcome
            .skipped_steps
            .iter()
            .any(|s| s.capability == "store_faults")
    );
    let outage = outcome.judgement("outage_surfaced").expect("checked");
    assert!(
        outage.reason().is_some_and(|r| r.contains("store_faults")),
        "{outage:?}"
    );
    assert!(
        outcome
            .judgement("availability")
            .is_some_and(|j| j.passed())
    );
}

fn auth_record(auth: AuthRecord) -> RunRecord {
    RunRecord {
        auth,
        ..RunRecord::default()
    }
}

fn request(scopes: &[&str], method: Option<&str>, has_state: bool) -> AuthorizeRequest {
    AuthorizeRequest {
        instance: 0,
        account: "alice@example.com".into(),
        at: at(0),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        code_challenge_method: method.map(str::to_owned),
        has_state,
        journal_seq: None,
    }
}

#[test]
fn least_privilege_flags_only_undeclared_scopes() {
    let declared = vec![READONLY.to_owned()];
    let narrow = auth_record(AuthRecord {
        authorize_requests: vec![request(&[READONLY], Some("S256"), true)],
        declared_scopes: declared.clone(),
        ..AuthRecord::default()
    });
    assert!(
        LeastPrivilege
            .check(&narrow)
            .violations()
            .to_vec()
            .is_empty()
    );
    let broad = auth_record(AuthRecord {
        authorize_requests: vec![request(
            &[READONLY, "https://mail.google.com/"],
            Some("S256"),
            true,
        )],
        declared_scopes: declared,
        ..AuthRecord::default()
    });
    let found = LeastPrivilege.check(&broad).violations().to_vec();
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("`https://mail.google.com/`"));
}

#[test]
fn csrf_protected_flags_plain_pkce_a_missing_state_and_an_accepted_forgery() {
    let forged = |accepted| ForgedCallback {
        instance: 0,
        account: "alice@example.com".into(),
        kind: ForgeKind::Replayed,
        started_at: at(10),
        finished_at: at(10),
        accepted,
        not_staged: None,
        journal_from: 0,
        journal_to: 0,
    };
    let clean = auth_record(AuthRecord {
        authorize_requests: vec![request(&[READONLY], Some("S256"), true)],
        forged_callbacks: vec![forged(false)],
        ..AuthRecord::default()
    });
    assert!(CsrfProtected.check(&clean).violations().to_vec().is_empty());
    let holes = auth_record(AuthRecord {
        authorize_requests: vec![
            request(&[READONLY], Some("plain"), true),
            request(&[READONLY], Some("S256"), false),
        ],
        forged_callbacks: vec![forged(true)],
        ..AuthRecord::default()
    });
    let messages: Vec<String> = CsrfProtected
        .check(&holes)
        .violations()
        .to_vec()
        .into_iter()
        .map(|v| v.message)
        .collect();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(messages[0].contains("`plain`"));
    assert!(messages[1].contains("without a state"));
    assert!(messages[2].contains("accepted a forged callback"));
}

#[test]
fn no_stale_overwrite_flags_a_store_version_going_back() {
    let write = |version, seconds| StoreWrite {
        store: "shared".into(),
        account: "alice@example.com".into(),
        version,
        at: at(seconds),
    };
    let forward = auth_record(AuthRecord {
        store_writes: vec![write(1, 0), write(2, 10), write(3, 20)],
        ..AuthRecord::default()
    });
    assert!(
        NoStaleOverwrite
            .check(&forward)
            .violations()
            .to_vec()
            .is_empty()
    );
    let back = auth_record(AuthRecord {
        store_writes: vec![write(1, 0), write(3, 10), write(2, 20)],
        ..AuthRecord::default()
    });
    let found = NoStaleOverwrite.check(&back).violations().to_vec();
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("from version 3 to 2"));
}

#[test]
fn outage_surfaced_flags_a_read_only_store_that_status_never_mentions() {
    let (_, mut record) = support::run_file("store-read-only-after-refresh.toml", &reference());
    for sample in record.history.status_samples_mut() {
        for account in &mut sample.accounts {
            account.state = "ok".into();
        }
    }
    let checker = OutageSurfaced::new(OutageSurfacedParams {
        within: Duration::from_secs(300),
        poll_every: Duration::from_secs(60),
    });
    let found = checker.check(&record).violations().to_vec();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].message.contains("never said `degraded`"));
    // The untouched record passes: the reference said `degraded`.
    let (_, honest) = support::run_file("store-read-only-after-refresh.toml", &reference());
    assert!(checker.check(&honest).violations().to_vec().is_empty());
}

#[test]
fn the_new_step_kinds_replay_to_the_same_journal_hash() {
    for file in [
        "forged-callback-state-and-replayed-code.toml",
        "rotation-two-instances-racing.toml",
        "refresh-token-limit-eviction.toml",
        "access-token-invalidated-early.toml",
        "store-read-only-after-refresh.toml",
    ] {
        let (first, _) = support::run_file(file, &reference());
        let (second, _) = support::run_file(file, &reference());
        assert_eq!(first.journal_hash, second.journal_hash, "{file}");
    }
}

#[test]
fn a_least_privilege_violation_names_the_authorize_entry_in_the_journal() {
    let broker = BrokerChoice::parse("mutant:broad-scopes").expect("known mutant");
    let (outcome, record) = support::run_file("broader-scopes-than-declared.toml", &broker);
    let violation = outcome
        .violations
        .iter()
        .find(|v| v.invariant == "least_privilege")
        .expect("violated");
    assert_eq!(violation.entries.len(), 1);
    let entry = &record.journal[violation.entries[0] as usize];
    assert_eq!(entry.endpoint, mock_provider::Endpoint::Authorize);
}

/// `gmail_request` (a step added as one file plus one line): each call uses
/// a token the broker served, reaches the Gmail endpoint its path names,
/// and is recorded with the status the mock answered.
#[test]
fn gmail_requests_call_any_endpoint_with_a_served_token() {
    let record = passes("gmail-requests-with-brokered-tokens.toml");
    let plain: Vec<_> = record
        .auth
        .api_calls
        .iter()
        .filter(|call| call.after_401.is_none() && call.status != Some(401))
        .collect();
    let statuses: Vec<_> = plain.iter().map(|call| call.status).collect();
    // messages.list at 5m, history at 6m, profile at 7m, then messages.list
    // every 30m; the history id 1 is older than the mailbox's (404).
    assert_eq!(
        statuses,
        [
            Some(200),
            Some(404),
            Some(200),
            Some(200),
            Some(200),
            Some(200)
        ]
    );
    let endpoints: Vec<_> = plain
        .iter()
        .map(|call| {
            let seq = call.journal_seq.expect("the call's journal entry");
            let entry = record
                .journal
                .iter()
                .find(|e| e.seq == seq)
                .expect("the entry is journaled");
            let token = call.token.as_ref().expect("a served token");
            assert!(entry.presented.contains(token), "{entry:?}");
            assert!(
                record
                    .history
                    .served()
                    .any(|s| s.result.as_ref() == Ok(token)),
                "the token was served by the broker"
            );
            entry.endpoint
        })
        .collect();
    use mock_provider::Endpoint::{GmailHistory, GmailMessagesList, GmailProfile};
    assert_eq!(
        endpoints,
        [
            GmailMessagesList,
            GmailHistory,
            GmailProfile,
            GmailMessagesList,
            GmailMessagesList,
            GmailMessagesList
        ]
    );
    let events = record
        .history
        .timeline()
        .filter(|e| e.kind == "gmail_request")
        .count();
    assert_eq!(events, 6);
}

#[test]
fn a_gmail_request_outside_the_users_path_or_a_get_with_a_body_is_refused() {
    let file = |action: &str| {
        format!(
            "name = \"g\"\nduration = \"1h\"\n[[timeline]]\nat = \"0s\"\naction.gmail_request = {action}\n"
        )
    };
    let outside =
        file(r#"{ account = "alice@example.com", path = "/gmail/v1/users/bob/profile" }"#);
    let message = harness::scenario::parse_scenario(&outside, "o.toml")
        .unwrap_err()
        .to_string();
    assert!(message.contains("gmail_request.path"), "{message}");
    let get_body = file(r#"{ account = "alice@example.com", path = "profile", body = "{}" }"#);
    let message = harness::scenario::parse_scenario(&get_body, "b.toml")
        .unwrap_err()
        .to_string();
    assert!(message.contains("gmail_request.body"), "{message}");
}
