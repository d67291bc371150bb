//! A threaded broker process under libfaketime: every clock reading of
//! every thread is skewed (issue 10, item 5). With the plain
//! `libfaketime.so.1` and `FAKETIME_NO_CACHE=1`, concurrent readings race
//! on the offset it re-parses through a static buffer, and about one in a
//! thousand returned the real time; the harness preloads
//! `libfaketimeMT.so.1` when it is installed, which serialises them.
//!
//! Without libfaketime this skips (saying so), except under `CI=true`.

mod support;

use harness::broker::{BROKER_CLOCK_CONTROL, BrokerClockControl, BrokerFactory, ProcessBroker};
use secrecy::ExposeSecret;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/threaded_clock_broker.py")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_clock_reading_of_a_four_thread_python_broker_is_skewed() {
    let Some(libfaketime) = harness::broker::libfaketime() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and libfaketime is missing: {}",
            harness::broker::MISSING_LIBFAKETIME
        );
        eprintln!("skipping: {}", harness::broker::MISSING_LIBFAKETIME);
        return;
    };
    let multi_threaded = libfaketime
        .file_name()
        .is_some_and(|name| name.to_string_lossy().contains("MT"));
    assert!(
        multi_threaded || std::env::var_os("OAUTH_CHAOS_LIBFAKETIME").is_some(),
        "libfaketimeMT.so.1 ships with libfaketime; the harness picked {}",
        libfaketime.display()
    );
    let env = support::offline_env();
    env.shared
        .get_or_create(BROKER_CLOCK_CONTROL, || BrokerClockControl { libfaketime });
    let broker = ProcessBroker::command(format!("python3 '{}'", script().display()))
        .build(env)
        .await
        .expect("the broker starts");
    broker
        .set_clock_offset(-600_000)
        .expect("the offset is set");
    // 10 calls of 20,000 readings: 200,000 in all, where the plain library
    // let about one in 500 to 1,000 through.
    for round in 0..10 {
        let before = unix_seconds();
        let answer = broker
            .access_token("any", None)
            .await
            .expect("the script answers");
        let fields: Vec<i64> = answer
            .expose_secret()
            .split_whitespace()
            .map(|field| field.parse().expect("a number"))
            .collect();
        let (reads, escaped, median) = (fields[0], fields[1], fields[2]);
        let after = unix_seconds();
        assert_eq!(reads, 20_000);
        // The readings were taken between `before` and `after`, 600 s back.
        assert!(
            (before - 601..=after - 599).contains(&median),
            "round {round}: median reading {median} is not 600 s before [{before}, {after}]"
        );
        assert_eq!(
            escaped, 0,
            "round {round}: {escaped} of {reads} readings returned the real time"
        );
    }
    broker.shutdown().await;
}

fn unix_seconds() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_secs(),
    )
    .expect("fits")
}
