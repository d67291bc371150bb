//! The bounded, indexed journal against a plain list of everything.

use super::{Endpoint, Journal, JournalEntry, JournalQuery, RequestDetails};
use crate::Capacity;
use proptest::prelude::*;
use std::num::NonZeroUsize;
use std::time::UNIX_EPOCH;

fn entry(
    endpoint: Endpoint,
    account: Option<&str>,
    client: Option<&str>,
    status: u16,
) -> JournalEntry {
    JournalEntry {
        seq: 0,
        started_at: UNIX_EPOCH,
        finished_at: UNIX_EPOCH,
        method: "POST".to_owned(),
        endpoint,
        client_id: client.map(str::to_owned),
        account: account.map(str::to_owned),
        grant_id: None,
        grant_type: (endpoint == Endpoint::Token).then(|| "refresh_token".to_owned()),
        presented: Vec::new(),
        issued: None,
        status,
        error: None,
        fault: (status == 503).then(|| "server error 503".to_owned()),
        request: RequestDetails {
            url_secret: status == 401,
            ..RequestDetails::default()
        },
    }
}

fn bounded(n: usize) -> Capacity {
    Capacity::Bounded(NonZeroUsize::new(n).expect("nonzero"))
}

#[test]
fn a_full_journal_drops_the_oldest_entries_and_counts_them() {
    let journal = Journal::with_capacity(bounded(3));
    for status in [200, 201, 202, 203, 204] {
        journal.record(entry(Endpoint::Token, None, None, status));
    }
    let kept: Vec<(u64, u16)> = journal
        .entries()
        .iter()
        .map(|e| (e.seq, e.status))
        .collect();
    assert_eq!(kept, vec![(2, 202), (3, 203), (4, 204)]);
    assert_eq!(
        (journal.len(), journal.dropped(), journal.total()),
        (3, 2, 5)
    );
    let since = journal.query(&JournalQuery {
        since: Some(1),
        ..JournalQuery::default()
    });
    assert_eq!(
        since.first().map(|e| e.seq),
        Some(2),
        "a poller sees the gap"
    );
}

#[test]
fn an_unbounded_journal_drops_nothing() {
    let journal = Journal::with_capacity(Capacity::Unbounded);
    for _ in 0..5000 {
        journal.record(entry(Endpoint::Jwks, None, None, 200));
    }
    assert_eq!((journal.len(), journal.dropped()), (5000, 0));
}

#[test]
fn client_ids_past_the_index_limit_are_still_found() {
    let journal = Journal::with_capacity(Capacity::Unbounded);
    for n in 0..1500 {
        journal.record(entry(
            Endpoint::Token,
            None,
            Some(&format!("junk-{n}")),
            400,
        ));
    }
    let query = |id: &str| JournalQuery {
        client_id: Some(id.to_owned()),
        ..JournalQuery::default()
    };
    assert_eq!(journal.query(&query("junk-3")).len(), 1);
    assert_eq!(
        journal.query(&query("junk-1499")).len(),
        1,
        "an unindexed value falls back to a scan"
    );
    assert!(journal.query(&query("nobody")).is_empty());
}

fn arbitrary_entry() -> impl Strategy<Value = JournalEntry> {
    let endpoint = prop_oneof![
        Just(Endpoint::Token),
        Just(Endpoint::GmailProfile),
        Just(Endpoint::Admin),
    ];
    let name = proptest::option::of(prop_oneof![Just("a"), Just("b"), Just("c")]);
    let status = prop_oneof![Just(200u16), Just(400), Just(401), Just(503)];
    (endpoint, name.clone(), name, status).prop_map(|(e, a, c, s)| entry(e, a, c, s))
}

fn arbitrary_query() -> impl Strategy<Value = JournalQuery> {
    let name = || {
        proptest::option::of(prop_oneof![
            Just("a".to_owned()),
            Just("b".to_owned()),
            Just("z".to_owned())
        ])
    };
    (
        proptest::option::of(prop_oneof![
            Just(Endpoint::Token),
            Just(Endpoint::Admin),
            Just(Endpoint::Jwks)
        ]),
        name(),
        name(),
        proptest::option::of(prop_oneof![Just(200u16), Just(401), Just(503)]),
        proptest::option::of(0u64..60),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(
            |(endpoint, account, client_id, status, since, faulted, url_secret)| JournalQuery {
                endpoint,
                account,
                client_id,
                status,
                since,
                faulted,
                url_secret,
            },
        )
}

proptest! {
    /// Whatever was appended and dropped, an indexed query answers what a
    /// scan of the retained entries answers.
    #[test]
    fn indexed_queries_answer_what_a_scan_answers(
        entries in proptest::collection::vec(arbitrary_entry(), 0..60),
        capacity in 1usize..40,
        queries in proptest::collection::vec(arbitrary_query(), 1..8),
    ) {
        let journal = Journal::with_capacity(bounded(capacity));
        for entry in entries {
            journal.record(entry);
        }
        let retained = journal.entries();
        prop_assert!(retained.len() <= capacity);
        prop_assert_eq!(journal.dropped() + retained.len() as u64, journal.total());
        for query in queries {
            let scanned: Vec<u64> = retained.iter().filter(|e| query.matches(e)).map(|e| e.seq).collect();
            let indexed: Vec<u64> = journal.query(&query).iter().map(|e| e.seq).collect();
            prop_assert_eq!(indexed, scanned, "{:?}", query);
        }
        let refreshes: Vec<u64> = retained.iter().filter(|e| e.is_refresh()).map(|e| e.seq).collect();
        prop_assert_eq!(journal.refreshes().iter().map(|e| e.seq).collect::<Vec<_>>(), refreshes);
    }
}
