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

/// A refresh of `grant` (instance-owned grants in a fleet with a store each).
fn refresh_of(grant: &str, seq: u64, start: f64, end: f64, token: &str) -> JournalEntry {
    JournalEntry {
        grant_id: Some(GrantId(grant.into())),
        ..refresh(seq, start, end, 200, Some(token))
    }
}

/// Three instances with a store (and a grant) each: g1, g2, g3.
fn store_each(journal: Vec<JournalEntry>) -> RunRecord {
    RunRecord {
        journal,
        own_grants: (0..3)
            .map(|i| (i, GrantId(format!("g{}", i + 1))))
            .collect(),
        ..RunRecord::default()
    }
}

#[test]
fn single_flight_judges_a_fleet_with_a_store_each_per_instance() {
    // One refresh per instance at once is each instance's own single flight.
    let each_once = store_each(vec![
        refresh_of("g1", 0, 0.0, 0.2, "a"),
        refresh_of("g2", 1, 0.0, 0.2, "b"),
        refresh_of("g3", 2, 0.1, 0.3, "c"),
    ]);
    let checker = SingleFlightRefresh::new(SingleFlightParams::default());
    assert!(checker.check(&each_once).passed());
    // Instance 1 sending two at once is its failure, and the verdict says so.
    let twice = store_each(vec![
        refresh_of("g1", 0, 0.0, 0.2, "a"),
        refresh_of("g2", 1, 0.0, 0.2, "b"),
        refresh_of("g2", 2, 0.1, 0.3, "c"),
        refresh_of("g3", 3, 0.1, 0.3, "d"),
    ]);
    let violations = checker.check(&twice).violations().to_vec();
    assert!(!violations.is_empty(), "the overlap is caught");
    for violation in &violations {
        assert!(
            violation
                .message
                .starts_with("per instance: instance 1 (a store of its own): grant g2"),
            "{}",
            violation.message
        );
    }
}

#[test]
fn single_flight_is_unknown_for_a_store_each_fleet_with_an_instance_that_never_refreshed() {
    let judgement =
        SingleFlightRefresh::new(SingleFlightParams::default()).check(&store_each(vec![
            refresh_of("g1", 0, 0.0, 0.2, "a"),
            refresh_of("g3", 1, 0.0, 0.2, "c"),
        ]));
    assert!(judgement.is_unknown(), "{judgement:?}");
    assert!(
        judgement.reason().is_some_and(|r| r.contains("instance 1")),
        "{judgement:?}"
    );
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
        recovery_grace: Duration::from_secs(60),
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

/// Token `a` (issued at 0.1 s, an hour's life) served at `served_at`
/// after the provider answered one refresh of it `status` (`error`) at
/// `failed_at`.
fn served_inside_the_margin_after_a_failed_refresh(
    failed_at: f64,
    status: u16,
    error: &str,
    served_at: f64,
) -> Vec<harness::checkers::Violation> {
    let mut failed = refresh(1, failed_at, failed_at + 0.1, status, None);
    failed.error = Some(error.to_owned());
    failed.fault = (status != 400).then(|| format!("respond {status} on token"));
    proactive(RunRecord {
        journal: vec![refresh(0, 0.0, 0.1, 200, Some("a")), failed],
        history: History::default().with(vec![served("a", served_at)]),
        ..RunRecord::default()
    })
}

#[test]
fn proactive_excuses_a_live_token_inside_the_margin_while_the_provider_fails_its_refresh() {
    // The broker tried to replace the token 10 s before serving it, and
    // the endpoint answered 503: it could not have done better.
    assert!(
        served_inside_the_margin_after_a_failed_refresh(3570.0, 503, "backend", 3580.0).is_empty()
    );
    // Still excused while it backs off, within the recovery grace.
    assert!(
        served_inside_the_margin_after_a_failed_refresh(3530.0, 503, "backend", 3580.0).is_empty()
    );
}

#[test]
fn proactive_still_flags_inside_the_margin_when_the_failed_refresh_is_past_the_grace() {
    let violations =
        served_inside_the_margin_after_a_failed_refresh(3400.0, 503, "backend", 3580.0);
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(
        violations[0]
            .message
            .contains("no outage was failing a refresh of it"),
        "{violations:?}"
    );
}

#[test]
fn proactive_never_excuses_an_expired_token_or_a_refused_grant() {
    // Expired when served: a failed refresh 10 s before is no excuse.
    let expired = served_inside_the_margin_after_a_failed_refresh(3650.0, 503, "backend", 3660.0);
    assert_eq!(expired.len(), 1, "{expired:?}");
    assert!(expired[0].message.contains("it had expired"), "{expired:?}");
    // A refusal is not an outage: the grant is dead, not the endpoint.
    let refused =
        served_inside_the_margin_after_a_failed_refresh(3570.0, 400, "invalid_grant", 3580.0);
    assert_eq!(refused.len(), 1, "{refused:?}");
}

#[test]
fn proactive_flags_a_broker_that_never_tried_to_replace_the_token_even_during_an_outage() {
    // The outage failed a refresh before this token was issued, and
    // nothing since: the broker never tried to replace it (even though
    // that answer's Retry-After would stretch the grace over the serve).
    let mut earlier = refresh(0, 0.0, 0.05, 503, None);
    earlier.fault = Some("respond 503 on token".into());
    let record = RunRecord {
        journal: vec![earlier, refresh(1, 0.05, 0.1, 200, Some("a"))],
        history: History::default()
            .with(vec![served("a", 3580.0)])
            .with_windows(vec![harness::run::FaultWindow {
                label: "respond 503 on token".into(),
                retry_after: Some(Duration::from_secs(4000)),
                retry_at: None,
                mounted_at: at(0.0),
                unmounted_at: None,
            }]),
        ..RunRecord::default()
    };
    assert_eq!(proactive(record).len(), 1);
}

#[test]
fn proactive_leaves_a_token_the_provider_never_issued_to_availability() {
    let judge = |served: Vec<ServedToken>| {
        ProactiveRefresh::new(ProactiveRefreshParams {
            margin: Duration::from_secs(60),
            ..ProactiveRefreshParams::default()
        })
        .check(&RunRecord {
            journal: vec![refresh(0, 0.0, 0.1, 200, Some("a"))],
            history: History::default().with(served),
            ..RunRecord::default()
        })
    };
    // A made-up token has no expiry at the provider to judge a margin by.
    let only_forged = judge(vec![served("forged", 1.0)]);
    assert!(only_forged.is_unknown(), "{only_forged:?}");
    let forged_and_genuine = judge(vec![served("forged", 1.0), served("a", 2.0)]);
    assert!(forged_and_genuine.passed(), "{forged_and_genuine:?}");
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
