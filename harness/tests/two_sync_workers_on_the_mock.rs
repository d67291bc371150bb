//! Two sync workers on one account and one shared mailbox store, against
//! the mock provider's Gmail surface: whatever the interleaving, the store
//! ends up exactly the mock's mailbox, with no message stored twice.

use harness::sim::{InMemoryTransport, SimTime};
use mock_provider::{MockProvider, NewMessage};
use reference_impl::{
    BrokerConfig, HttpTransport, MailboxStore, MemoryMailbox, MemoryStore, RefreshToken,
    SyncConfig, SyncEngine, SyncError, TokenBroker, TokenSource,
};
use secrecy::ExposeSecret;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

const ALICE: &str = "alice@example.com";

fn worker(
    provider: &MockProvider,
    time: &SimTime,
    tokens: Arc<dyn TokenSource>,
    store: Arc<dyn MailboxStore>,
    name: &str,
) -> SyncEngine {
    let transport: Arc<dyn HttpTransport> = Arc::new(InMemoryTransport::new(provider.router()));
    let config = SyncConfig::new(provider.uri(), name)
        .with_page_size(7)
        .with_lease_ttl(Duration::from_secs(30))
        .with_seed(1);
    SyncEngine::new(config, Arc::new(time.clock()), transport, tokens, store)
        .expect("the mock's URI is a valid Gmail base")
}

async fn sync_until_done(engine: &SyncEngine) {
    for _ in 0..20 {
        match engine.sync(ALICE).await {
            Ok(_) => return,
            // The other worker holds the lease: wait for it and try again.
            Err(SyncError::LeaseHeld { .. }) => tokio::time::sleep(Duration::from_secs(1)).await,
            Err(other) => panic!("sync failed: {other}"),
        }
    }
    panic!("the lease never came free");
}

async fn assert_store_mirrors_the_mock(provider: &MockProvider, store: &MemoryMailbox) {
    let stored: Vec<String> = store
        .messages(ALICE)
        .await
        .expect("memory store")
        .into_iter()
        .map(|m| m.id)
        .collect();
    let unique: BTreeSet<&String> = stored.iter().collect();
    assert_eq!(unique.len(), stored.len(), "a message is stored twice");
    let at_gmail: BTreeSet<String> = provider.mailbox(ALICE).into_iter().map(|m| m.id).collect();
    let stored: BTreeSet<String> = stored.into_iter().collect();
    assert_eq!(stored, at_gmail, "the store differs from Gmail");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn two_workers_syncing_one_account_at_once_never_duplicate_or_lose_mail() {
    let time = SimTime::new(UNIX_EPOCH + Duration::from_secs(1_767_225_600));
    let provider = MockProvider::builder()
        .seed(11)
        .clock(Arc::new(time.clock()))
        .account(ALICE)
        .mailbox_size(60)
        .build();
    let broker = TokenBroker::new(
        BrokerConfig::new(
            provider.token_url(),
            provider.client_id(),
            provider.client_secret().expose_secret(),
        )
        .with_seed(1),
        Arc::new(time.clock()),
        Arc::new(InMemoryTransport::new(provider.router())),
        Arc::new(MemoryStore::new()),
    )
    .expect("valid config");
    let refresh = provider.refresh_token(ALICE).expect("seeded");
    broker
        .add_account(ALICE, RefreshToken::new(refresh.expose_secret()))
        .await;
    let tokens: Arc<dyn TokenSource> = Arc::new(broker);
    let store = MemoryMailbox::new();
    let shared: Arc<dyn MailboxStore> = Arc::new(store.clone());
    let first = worker(&provider, &time, tokens.clone(), shared.clone(), "worker-1");
    let second = worker(&provider, &time, tokens, shared, "worker-2");

    // Both start a full sync at the same instant.
    tokio::join!(sync_until_done(&first), sync_until_done(&second));
    assert_store_mirrors_the_mock(&provider, &store).await;

    // Mail arrives and some is deleted; both run partial syncs at once.
    for n in 0..9 {
        provider.add_message(
            ALICE,
            NewMessage {
                from: "sender@example.net".to_owned(),
                subject: format!("arrival {n}"),
                ..NewMessage::default()
            },
        );
    }
    for message in provider.mailbox(ALICE).into_iter().take(4) {
        assert!(provider.delete_message(ALICE, &message.id));
    }
    tokio::join!(sync_until_done(&first), sync_until_done(&second));
    assert_store_mirrors_the_mock(&provider, &store).await;
    assert_eq!(provider.mailbox(ALICE).len(), 60 + 9 - 4);
}
