//! The standalone server's memory is bounded by documented, configurable
//! capacities: the journal and the secret registry keep their newest
//! entries and report what they dropped, live access tokens per grant are
//! capped, and a long run's RSS levels off. Only HTTP (and /proc for RSS).

#[expect(dead_code, reason = "this file uses a subset of the shared helpers")]
mod standalone_support;

use standalone_support::Standalone;

const CONFIG: &str = "accounts = [\"alice@example.com\"]\n[oauth]\naccess_tokens_per_grant = 5\n[memory]\njournal_capacity = 50\nsecret_capacity = 20\n";

fn refresh(provider: &Standalone, form: &str) -> serde_json::Value {
    let answer = provider
        .http()
        .client
        .post(format!("{}/token", provider.uri))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_owned())
        .send()
        .expect("answer");
    assert_eq!(answer.status(), 200);
    answer.json().expect("json")
}

#[test]
fn the_journal_keeps_its_newest_entries_and_reports_what_it_dropped() {
    let provider = Standalone::start(CONFIG);
    let http = provider.http();
    let form = http.refresh_form("alice@example.com");
    for _ in 0..120 {
        refresh(&provider, &form);
    }
    let journal = http.get("/__admin/journal").json();
    let entries = journal["entries"].as_array().expect("entries");
    let total = journal["total"].as_u64().expect("total");
    assert_eq!(entries.len(), 50, "at its capacity");
    assert_eq!(journal["capacity"], 50);
    assert_eq!(journal["dropped"].as_u64(), Some(total - 50));
    assert_eq!(
        entries[0]["seq"].as_u64(),
        Some(total - 50),
        "the newest are kept"
    );
    // A poller reading `since` its last sequence number sees the gap.
    let since = http.get("/__admin/journal?since=3&endpoint=token").json();
    assert!(since["entries"][0]["seq"].as_u64() > Some(3));
    let secrets = http.get("/__admin/secrets").json();
    let kept = secrets["secrets"].as_array().expect("secrets");
    assert!(
        kept.iter().any(|s| s["kind"] == "client_secret"),
        "configured secrets stay"
    );
    assert_eq!(
        kept.iter().filter(|s| s["kind"] != "client_secret").count(),
        20
    );
    assert!(
        secrets["dropped"].as_u64() >= Some(100),
        "{}",
        secrets["dropped"]
    );
}

#[test]
fn past_the_per_grant_limit_the_oldest_access_token_stops_working() {
    let provider = Standalone::start(CONFIG);
    let http = provider.http();
    let form = http.refresh_form("alice@example.com");
    let tokens: Vec<String> = (0..6)
        .map(|_| {
            refresh(&provider, &form)["access_token"]
                .as_str()
                .expect("token")
                .to_owned()
        })
        .collect();
    let info = |token: &str| http.get(&format!("/tokeninfo?access_token={token}")).status;
    assert_eq!(
        info(&tokens[0]),
        400,
        "the oldest of six, past the limit of five"
    );
    for token in &tokens[1..] {
        assert_eq!(info(token), 200);
    }
}

#[test]
fn rss_levels_off_over_a_long_run_of_refreshes() {
    let provider = Standalone::start(
        "accounts = [\"alice@example.com\"]\n[oauth]\naccess_tokens_per_grant = 1000\n[memory]\njournal_capacity = 2000\nsecret_capacity = 2000\n",
    );
    let form = provider.http().refresh_form("alice@example.com");
    let burst = |n: usize| {
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    let http = provider.http();
                    for _ in 0..n / 4 {
                        let answer = http
                            .client
                            .post(format!("{}/token", provider.uri))
                            .header("content-type", "application/x-www-form-urlencoded")
                            .body(form.clone())
                            .send()
                            .expect("answer");
                        assert_eq!(answer.status(), 200);
                    }
                });
            }
        });
    };
    // Past every capacity (2,000 entries, secrets and tokens), then as much again twice.
    burst(6_000);
    let warm = provider.rss_kib();
    burst(6_000);
    burst(6_000);
    let after = provider.rss_kib();
    let journal = provider.http().get("/__admin/journal?endpoint=jwks").json();
    assert!(
        journal["dropped"].as_u64() > Some(10_000),
        "{}",
        journal["dropped"]
    );
    assert!(
        after < warm + 8 * 1024,
        "RSS grew from {warm} KiB to {after} KiB over 12,000 requests with every store at capacity"
    );
}

#[test]
fn the_journal_hash_comes_only_when_asked_and_matches_the_kept_entries() {
    let provider = Standalone::start(CONFIG);
    let http = provider.http();
    let form = http.refresh_form("alice@example.com");
    for _ in 0..3 {
        refresh(&provider, &form);
    }
    let plain = http.get("/__admin/journal?endpoint=token").json();
    assert!(plain.get("hash").is_none(), "{plain}");
    assert_eq!(plain["entries"].as_array().map(Vec::len), Some(3));
    let first = http.get("/__admin/journal?hash=true&endpoint=token").json();
    let hash = first["hash"]
        .as_str()
        .expect("a hash when asked")
        .to_owned();
    assert_eq!(hash.len(), 64, "{hash}");
    assert_eq!(
        first["entries"], plain["entries"],
        "the filter still applies"
    );
    // Every journal answer is itself journaled: the hash moves with the journal.
    let second = http.get("/__admin/journal?hash=true").json();
    assert_ne!(second["hash"].as_str(), Some(hash.as_str()));
    let bad = http.get("/__admin/journal?hash=yes");
    assert_eq!(
        (bad.status, bad.json()["field"].as_str()),
        (400, Some("(query)"))
    );
}
