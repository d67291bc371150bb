//! Operations on the mock Gmail and the provider clock, for tests and the
//! admin API.

use super::MockProvider;
use crate::gmail::{MessageSummary, NewMessage};
use std::collections::BTreeMap;

impl MockProvider {
    /// Every message in `account`'s mailbox, newest first (empty for an
    /// unknown account).
    ///
    /// ```
    /// let provider = mock_provider::MockProvider::builder().mailbox_size(4).build();
    /// assert_eq!(provider.mailbox("alice@example.com").len(), 4);
    /// ```
    pub fn mailbox(&self, account: &str) -> Vec<MessageSummary> {
        self.shared().gmail.summaries(account)
    }

    /// Adds a message to `account`'s inbox now, recorded in history as
    /// `messageAdded`. `None` for an unknown account.
    pub fn add_message(&self, account: &str, message: NewMessage) -> Option<MessageSummary> {
        let now = self.shared().state.clock.now();
        self.shared().gmail.add(account, message, now)
    }

    /// Deletes a message, recorded as `messageDeleted`; false when absent.
    pub fn delete_message(&self, account: &str, id: &str) -> bool {
        let now = self.shared().state.clock.now();
        self.shared().gmail.delete(account, id, now)
    }

    /// Puts `add` on and takes `remove` off message `id` of `account` (as
    /// the user starring, reading or archiving it), recorded in history as
    /// `labelAdded` / `labelRemoved`. The message's labels afterwards;
    /// `None` when the account or message is unknown.
    ///
    /// ```
    /// let provider = mock_provider::MockProvider::builder().mailbox_size(1).build();
    /// let id = provider.mailbox("alice@example.com")[0].id.clone();
    /// let labels = provider.relabel_message("alice@example.com", &id, &["STARRED"], &["INBOX"]).unwrap();
    /// assert!(labels.contains(&"STARRED".to_owned()) && !labels.contains(&"INBOX".to_owned()));
    /// ```
    pub fn relabel_message(
        &self,
        account: &str,
        id: &str,
        add: &[&str],
        remove: &[&str],
    ) -> Option<Vec<String>> {
        let now = self.shared().state.clock.now();
        let owned = |labels: &[&str]| labels.iter().map(|l| (*l).to_owned()).collect::<Vec<_>>();
        self.shared()
            .gmail
            .relabel(account, id, &owned(add), &owned(remove), now)
    }

    /// Expires all of `account`'s history now: any stored `startHistoryId`
    /// gets Google's 404, forcing a full sync. False for an unknown account.
    pub fn expire_history(&self, account: &str) -> bool {
        self.shared().gmail.forget_history(account)
    }

    /// Message-ID header -> how many messages in `account`'s Sent carry it.
    /// A count above 1 is a duplicate delivery.
    pub fn sent_message_ids(&self, account: &str) -> BTreeMap<String, usize> {
        self.shared().gmail.sent_message_ids(account)
    }

    /// Sets the provider clock's offset from the configured clock, in
    /// milliseconds (negative = behind), replacing earlier skew and jumps.
    pub fn set_clock_offset_ms(&self, offset_ms: i64) {
        self.shared().state.provider_clock.set_offset_ms(offset_ms);
    }

    /// The provider clock's current offset in milliseconds.
    pub fn clock_offset_ms(&self) -> i64 {
        self.shared().state.provider_clock.offset_ms()
    }

    /// Serves the provider on `127.0.0.1:port` (0 = a free port).
    pub(crate) async fn listen_on(mut self, port: u16) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        self.set_address(listener.local_addr()?);
        // Discovery, `iss` and every advertised URL name the socket clients
        // reach, whichever way the provider was started.
        self.shared().state.addresses.bound(&self.uri());
        let app = self.router();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        self.set_shutdown(tx);
        Ok(self)
    }
}
