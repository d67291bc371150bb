//! The HTML timeline of a failing run: the whole run on one axis, and a
//! close-up when the violation happened in a sliver of it.

mod support;

use harness::choice::BrokerChoice;
use harness::report::render_timeline;

#[test]
fn a_herd_violation_gets_a_close_up_in_which_every_overlapping_refresh_is_drawn() {
    let broker = BrokerChoice::parse("mutant:no-single-flight").expect("known mutant");
    let (outcome, record) = support::run_file("thundering-herd.toml", &broker);
    let html = render_timeline(&outcome, &record);
    assert!(
        html.contains("<h2>Close-up: single_flight_refresh"),
        "no close-up"
    );
    assert_eq!(html.matches("<svg").count(), 2);
    let close_up = &html[html.find("<h2>Close-up").expect("close-up")..];
    let herd = record
        .journal
        .iter()
        .filter(|e| e.is_refresh() && e.started_at == record.journal[0].started_at)
        .count();
    assert!(herd > 100, "the mutant refreshed {herd} times at once");
    let drawn = close_up.matches("<title>#").count();
    assert!(
        drawn >= herd,
        "{drawn} of {herd} refreshes drawn in the close-up"
    );
    assert!(close_up.contains(&format!(">{} requests</text>", drawn)));
    assert!(
        html.contains(">+1h</text>"),
        "the run's axis has hour ticks"
    );
    assert!(
        close_up.contains("ms</text>"),
        "the close-up's axis is in milliseconds"
    );
}

#[test]
fn a_violation_naming_one_request_gets_no_close_up() {
    let broker = BrokerChoice::parse("mutant:silent-outage").expect("known mutant");
    let (outcome, record) = support::run_file("revoked-mid-run.toml", &broker);
    assert!(outcome.violated("outage_surfaced"));
    let html = render_timeline(&outcome, &record);
    assert_eq!(html.matches("<svg").count(), 1);
    assert!(html.contains("<h2>The whole run</h2>"));
    assert!(
        html.contains("stroke=\"#000\""),
        "the named request is outlined"
    );
}
