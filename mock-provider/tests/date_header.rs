//! Every answer is dated by the provider's clock, as Google's servers date
//! theirs: a broker that reads `Date` (to measure its own skew, or to turn
//! `expires_in` into an instant) sees the provider's time, also after the
//! provider's clock was moved.

use mock_provider::MockProvider;
use std::time::{Duration, SystemTime};

fn date_of(response: &reqwest::Response) -> SystemTime {
    let header = response
        .headers()
        .get(reqwest::header::DATE)
        .expect("a Date header")
        .to_str()
        .expect("ASCII");
    httpdate::parse_http_date(header).expect("an HTTP date")
}

#[tokio::test]
async fn the_date_header_follows_the_provider_clock_across_a_jump() {
    let provider = MockProvider::start().await;
    let client = reqwest::Client::new();
    let discovery = format!("{}/.well-known/openid-configuration", provider.uri());
    let before = client.get(&discovery).send().await.expect("answers");
    let gap = date_of(&before)
        .duration_since(SystemTime::now() - Duration::from_secs(5))
        .expect("about now");
    assert!(gap < Duration::from_secs(10), "{gap:?}");
    provider.jump_clock(Duration::from_secs(6 * 3600));
    let after = client.get(&discovery).send().await.expect("answers");
    let ahead = date_of(&after)
        .duration_since(SystemTime::now())
        .expect("ahead of the machine");
    assert!(
        ahead > Duration::from_secs(6 * 3600 - 10),
        "Date is the provider's: {ahead:?} ahead"
    );
    // Error answers too (an unknown path).
    let missing = client
        .get(format!("{}/no/such/path", provider.uri()))
        .send()
        .await
        .expect("answers");
    assert_eq!(missing.status(), 404);
    assert!(date_of(&missing) > SystemTime::now() + Duration::from_secs(6 * 3600 - 10));
}
