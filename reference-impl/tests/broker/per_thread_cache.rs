//! The by-name hot path serves each thread its own copy of the token. These tests
//! prime a copy on another OS thread, change the account on the test thread, and check
//! that the other thread never serves the old token once the change has returned.

use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use reference_impl::{
    BrokerConfig, BrokerError, ErrorKind, MemoryStore, ReqwestTransport, TokenBroker,
};
use wiremock::ResponseTemplate;

use crate::support::{
    CLIENT_SECRET, ManualClock, REFRESH_TOKEN, fixture, google_error, google_token, refresh_request,
};

type Job = Box<dyn FnOnce() -> Option<String> + Send>;

/// One long-lived OS thread, so its per-thread token copies survive between calls.
struct OtherThread {
    jobs: Option<mpsc::Sender<Job>>,
    answers: mpsc::Receiver<Option<String>>,
    thread: Option<JoinHandle<()>>,
}

impl OtherThread {
    fn start() -> Self {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (outbox, answers) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            for job in inbox {
                if outbox.send(job()).is_err() {
                    return;
                }
            }
        });
        Self {
            jobs: Some(jobs),
            answers,
            thread: Some(thread),
        }
    }

    /// `broker.cached_access_token(account)` on the other thread, as plain text.
    fn cached(&self, broker: &TokenBroker, account: &'static str) -> Option<String> {
        let broker = broker.clone();
        let job: Job = Box::new(move || {
            broker
                .cached_access_token(account)
                .map(|token| token.expose_secret().to_owned())
        });
        self.jobs.as_ref().unwrap().send(job).unwrap();
        self.answers.recv().unwrap()
    }
}

impl Drop for OtherThread {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Mounts a refresh that answers `ya29.first` once, then `next` every time.
async fn first_then(server: &wiremock::MockServer, next: ResponseTemplate) {
    refresh_request()
        .respond_with(google_token("ya29.first"))
        .up_to_n_times(1)
        .mount(server)
        .await;
    refresh_request().respond_with(next).mount(server).await;
}

/// Another thread, holding its own copy of alice's token `ya29.first`.
fn primed(broker: &TokenBroker) -> OtherThread {
    let other = OtherThread::start();
    assert_eq!(other.cached(broker, "alice").as_deref(), Some("ya29.first"));
    other
}

#[tokio::test]
async fn another_thread_serves_the_new_token_right_after_a_401_forced_refresh() {
    let f = fixture().await;
    first_then(&f.server, google_token("ya29.second")).await;
    let first = f.broker.access_token("alice").await.unwrap();
    let other = primed(&f.broker);

    // Still well before its refresh point by the clock: only the epoch can tell.
    let second = f
        .broker
        .access_token_after_401("alice", &first)
        .await
        .unwrap();

    assert_eq!(second.expose_secret(), "ya29.second");
    assert_eq!(
        other.cached(&f.broker, "alice").as_deref(),
        Some("ya29.second")
    );
    let here = f.broker.cached_access_token("alice").unwrap();
    assert_eq!(here.expose_secret(), "ya29.second");
}

#[tokio::test]
async fn another_thread_stops_serving_a_token_once_the_refresh_says_invalid_grant() {
    let f = fixture().await;
    first_then(
        &f.server,
        google_error(400, "invalid_grant", "Token has been revoked."),
    )
    .await;
    let first = f.broker.access_token("alice").await.unwrap();
    let other = primed(&f.broker);

    let error = f
        .broker
        .access_token_after_401("alice", &first)
        .await
        .unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Revoked);
    assert_eq!(other.cached(&f.broker, "alice"), None);
    assert!(matches!(
        f.broker.access_token("alice").await,
        Err(BrokerError::NeedsReauth { .. })
    ));
}

#[tokio::test]
async fn another_thread_stops_serving_a_token_once_the_grant_is_revoked() {
    let f = crate::revocation::revocable().await;
    refresh_request()
        .respond_with(google_token("ya29.first"))
        .mount(&f.server)
        .await;
    crate::revocation::revoke_request()
        .respond_with(ResponseTemplate::new(200))
        .mount(&f.server)
        .await;
    f.broker.access_token("alice").await.unwrap();
    let other = primed(&f.broker);

    f.broker.revoke("alice").await.unwrap();

    assert_eq!(other.cached(&f.broker, "alice"), None);
    assert_eq!(f.broker.cached_access_token("alice").map(|_| ()), None);
}

#[tokio::test]
async fn another_thread_drops_the_old_token_when_the_account_is_added_again() {
    let f = fixture().await;
    refresh_request()
        .respond_with(google_token("ya29.first"))
        .mount(&f.server)
        .await;
    f.broker.access_token("alice").await.unwrap();
    let other = primed(&f.broker);

    // Re-consent: a new grant, and no access token yet.
    f.broker
        .add_account("alice", "1//refresh-token-alice-2".into())
        .await;

    assert_eq!(other.cached(&f.broker, "alice"), None);
}

#[tokio::test]
async fn another_thread_serves_the_token_a_refresh_obtained_after_expiry() {
    let f = fixture().await;
    first_then(&f.server, google_token("ya29.second")).await;
    f.broker.access_token("alice").await.unwrap();
    let other = primed(&f.broker);

    f.clock.advance(Duration::from_secs(3599 - 300));
    assert_eq!(other.cached(&f.broker, "alice"), None);
    f.broker.access_token("alice").await.unwrap();

    assert_eq!(
        other.cached(&f.broker, "alice").as_deref(),
        Some("ya29.second")
    );
}

#[tokio::test]
async fn two_brokers_on_one_thread_never_serve_each_others_tokens() {
    let f = fixture().await;
    refresh_request()
        .respond_with(google_token("ya29.first-broker"))
        .mount(&f.server)
        .await;
    let other_server = wiremock::MockServer::start().await;
    refresh_request()
        .respond_with(google_token("ya29.second-broker"))
        .mount(&other_server)
        .await;
    let config = BrokerConfig::new(
        format!("{}/token", other_server.uri()),
        "client-id",
        CLIENT_SECRET,
    );
    let second = TokenBroker::new(
        config,
        ManualClock::new(),
        Arc::new(ReqwestTransport::new()),
        Arc::new(MemoryStore::new()),
    )
    .unwrap();
    second.add_account("alice", REFRESH_TOKEN.into()).await;

    f.broker.access_token("alice").await.unwrap();
    second.access_token("alice").await.unwrap();
    let other = OtherThread::start();

    for _ in 0..2 {
        let first_answer = other.cached(&f.broker, "alice");
        let second_answer = other.cached(&second, "alice");
        assert_eq!(first_answer.as_deref(), Some("ya29.first-broker"));
        assert_eq!(second_answer.as_deref(), Some("ya29.second-broker"));
    }
    // A broker built after another was dropped starts with nothing cached.
    drop(second);
    let third = TokenBroker::new(
        BrokerConfig::new("https://oauth2.example/token", "client-id", CLIENT_SECRET),
        ManualClock::new(),
        Arc::new(ReqwestTransport::new()),
        Arc::new(MemoryStore::new()),
    )
    .unwrap();
    third.add_account("alice", REFRESH_TOKEN.into()).await;
    assert_eq!(other.cached(&third, "alice"), None);
}

#[tokio::test]
async fn a_copy_is_never_served_for_an_account_the_broker_does_not_know() {
    let f = fixture().await;
    let other = OtherThread::start();

    assert_eq!(other.cached(&f.broker, "mallory"), None);
    let error = f.broker.access_token("mallory").await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::UnknownAccount);
}

#[tokio::test]
async fn a_handle_and_its_clone_serve_the_new_token_right_after_a_401_forced_refresh() {
    let f = fixture().await;
    first_then(&f.server, google_token("ya29.second")).await;
    let first = f.broker.access_token("alice").await.unwrap();
    let mut alice = f.broker.handle("alice").await.unwrap();
    let mut elsewhere = alice.clone();
    assert_eq!(
        alice.access_token().await.unwrap().expose_secret(),
        "ya29.first"
    );
    let primed = elsewhere
        .cached_access_token()
        .map(|t| t.expose_secret().to_owned());
    assert_eq!(primed.as_deref(), Some("ya29.first"));

    f.broker
        .access_token_after_401("alice", &first)
        .await
        .unwrap();

    let borrowed = elsewhere
        .cached_access_token()
        .map(|t| t.expose_secret().to_owned());
    assert_eq!(borrowed.as_deref(), Some("ya29.second"));
    assert_eq!(
        alice.access_token().await.unwrap().expose_secret(),
        "ya29.second"
    );
}

#[tokio::test]
async fn a_handle_stops_serving_its_copy_once_the_account_needs_reauth() {
    let f = fixture().await;
    first_then(
        &f.server,
        google_error(400, "invalid_grant", "Token has been revoked."),
    )
    .await;
    let first = f.broker.access_token("alice").await.unwrap();
    let mut alice = f.broker.handle("alice").await.unwrap();
    assert!(alice.cached_access_token().is_some());

    let _ = f.broker.access_token_after_401("alice", &first).await;

    assert!(alice.cached_access_token().is_none());
    let error = alice.access_token().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Revoked);
}
