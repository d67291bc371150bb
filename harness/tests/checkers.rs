//! Each checker, fed hand-built journals: it flags what it must and
//! nothing else.

use harness::checkers::{Checker, ProactiveRefresh, SingleFlightRefresh};
use harness::run::{History, RunRecord, ServedToken};
use harness::scenario::{ProactiveRefreshParams, SingleFlightParams};
use mock_provider::{Endpoint, Fingerprint, GrantId, IssuedToken, JournalEntry};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn at(secs: f64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_000_000) + Duration::from_secs_f64(secs)
}

fn refresh(seq: u64, start: f64, end: f64, status: u16, token: Option<&str>) -> JournalEntry {
    JournalEntry {
        seq,
        started_at: at(start),
        finished_at: at(end),
        method: "POST".into(),
        endpoint: Endpoint::Token,
        client_id: Some("client".into()),
        account: Some("alice@example.com".into()),
        grant_id: Some(GrantId("g1".into())),
        grant_type: Some("refresh_token".into()),
        presented: vec![Fingerprint::of("1//refresh")],
        issued: token.map(|t| IssuedToken {
            fingerprint: Fingerprint::of(t),
            issued_at: at(end),
            expires_at: at(end + 3600.0),
        }),
        status,
        error: (status != 200).then(|| "backend".to_owned()),
        fault: None,
        request: Default::default(),
    }
}

fn single_flight(journal: Vec<JournalEntry>) -> Vec<harness::checkers::Violation> {
    SingleFlightRefresh::new(SingleFlightParams::default())
        .check(&RunRecord {
            journal,
            ..RunRecord::default()
        })
        .violations()
        .to_vec()
}

#[test]
fn single_flight_accepts_one_refresh_per_hour() {
    let journal = vec![
        refresh(0, 0.0, 0.1, 200, Some("a")),
        refresh(1, 3300.0, 3300.1, 200, Some("b")),
    ];
    assert!(single_flight(journal).is_empty());
}

#[test]
fn single_flight_flags_overlapping_refreshes_of_one_grant() {
    let journal = vec![
        refresh(0, 0.0, 0.5, 200, Some("a")),
        refresh(1, 0.2, 0.6, 200, Some("b")),
    ];
    let violations = single_flight(journal);
    assert!(!violations.is_empty());
    assert_eq!(violations[0].entries, vec![0, 1]);
    assert!(violations[0].message.contains("still in flight"));
}

#[test]
fn single_flight_flags_refreshing_a_token_that_was_just_issued() {
    let journal = vec![
        refresh(0, 0.0, 0.1, 200, Some("a")),
        refresh(1, 10.0, 10.1, 200, Some("b")),
    ];
    let violations = single_flight(journal);
    assert_eq!(violations.len(), 1);
    assert!(
        violations[0]
            .message
            .contains("only 9s 900ms earlier (lifetime 1h)"),
        "{violations:?}"
    );
}

#[test]
fn single_flight_allows_a_retry_after_a_failed_refresh() {
    let journal = vec![
        refresh(0, 0.0, 0.1, 503, None),
        refresh(1, 1.0, 1.1, 200, Some("b")),
    ];
    assert!(single_flight(journal).is_empty());
}

#[test]
fn single_flight_allows_a_forced_refresh_after_a_401() {
    let mut api = refresh(1, 5.0, 5.1, 401, None);
    api.endpoint = Endpoint::Unknown;
    api.grant_type = None;
    api.presented = vec![Fingerprint::of("a")];
    let journal = vec![
        refresh(0, 0.0, 0.1, 200, Some("a")),
        api,
        refresh(2, 6.0, 6.1, 200, Some("b")),
    ];
    assert!(single_flight(journal).is_empty());
}

fn served(token: &str, secs: f64) -> ServedToken {
    ServedToken {
        instance: 0,
        account: "alice@example.com".into(),
        requested_at: at(secs),
        served_at: at(secs),
        result: Ok(Fingerprint::of(token)),
    }
}

fn proactive(record: RunRecord) -> Vec<harness::checkers::Violation> {
    ProactiveRefresh::new(ProactiveRefreshParams {
        margin: Duration::from_secs(60),
    })
    .check(&record)
    .violations()
    .to_vec()
}

#[test]
fn proactive_accepts_tokens_served_with_time_to_spare() {
    let record = RunRecord {
        journal: vec![refresh(0, 0.0, 0.1, 200, Some("a"))],
        history: History::default().with(vec![served("a", 1.0), served("a", 3000.0)]),
        ..RunRecord::default()
    };
    assert!(proactive(record).is_empty());
}

#[test]
fn proactive_flags_a_token_served_inside_the_margin() {
    let record = RunRecord {
        journal: vec![refresh(0, 0.0, 0.1, 200, Some("a"))],
        history: History::default().with(vec![served("a", 3580.0)]),
        ..RunRecord::default()
    };
    let violations = proactive(record);
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].entries, vec![0]);
    assert!(
        violations[0]
            .message
            .contains("20s 100ms left, under the 1m margin"),
        "{violations:?}"
    );
}

#[test]
fn proactive_flags_a_token_the_provider_never_issued() {
    let record = RunRecord {
        journal: vec![refresh(0, 0.0, 0.1, 200, Some("a"))],
        history: History::default().with(vec![served("forged", 1.0)]),
        ..RunRecord::default()
    };
    let violations = proactive(record);
    assert_eq!(violations.len(), 1);
    assert!(violations[0].message.contains("never issued"));
}

#[test]
fn proactive_flags_an_api_request_with_an_expired_token() {
    let mut api = refresh(1, 4000.0, 4000.1, 401, None);
    api.endpoint = Endpoint::Unknown;
    api.presented = vec![Fingerprint::of("a")];
    let record = RunRecord {
        journal: vec![refresh(0, 0.0, 0.1, 200, Some("a")), api],
        ..RunRecord::default()
    };
    let violations = proactive(record);
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].entries, vec![0, 1]);
}

#[test]
fn every_checker_is_unknown_on_a_run_with_no_data() {
    // Every invariant on, a broker with every capability, and nothing
    // recorded: no checker may call that a pass.
    let scenario = harness::scenario::parse_scenario(
        r#"
name = "everything"
duration = "1h"
[invariants]
single_flight_refresh = {}
proactive_refresh = { margin = "60s" }
retry_discipline = {}
outage_surfaced = {}
no_token_leak = {}
survives_restart = {}
no_lost_email = {}
no_duplicate_email = {}
least_privilege = {}
csrf_protected = {}
no_stale_overwrite = {}
"#,
        "everything.toml",
    )
    .expect("parses");
    let record = RunRecord {
        capabilities: harness::broker::Capabilities::from_names([
            "access_token",
            "status",
            "restart",
            "authorization",
            "gmail",
            "store_faults",
            "mail_hooks",
        ]),
        ..RunRecord::default()
    };
    let checkers = harness::checkers::checkers_for(&scenario.invariants);
    assert_eq!(
        checkers.len(),
        13,
        "every invariant, plus the two always on"
    );
    for checker in &checkers {
        let judged = harness::checkers::judge(checker.as_ref(), &record);
        assert!(judged.is_unknown(), "{}: {judged:?}", checker.name());
        // And without the capabilities it needs, it is unknown before it
        // even looks, naming what is missing.
        let needs = checker.needs().names();
        if !needs.is_empty() {
            let bare = RunRecord::default();
            let reason = harness::checkers::judge(checker.as_ref(), &bare)
                .reason()
                .map(str::to_owned)
                .unwrap_or_default();
            assert!(reason.contains(needs[0]), "{}: {reason}", checker.name());
        }
    }
}
