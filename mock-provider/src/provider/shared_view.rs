//! A second handle on a running provider, for tasks that outlive a borrow.

use super::MockProvider;

impl MockProvider {
    /// Another handle on this provider: the same state, journal, faults and
    /// secrets, but no server of its own (dropping it stops nothing). For
    /// spawned tasks that mount faults or rotate keys while the test holds the
    /// original.
    ///
    /// ```
    /// # async fn example() {
    /// let provider = mock_provider::MockProvider::start().await;
    /// let handle = provider.shared_handle();
    /// tokio::spawn(async move { handle.revoke_account("alice@example.com") }).await.unwrap();
    /// assert!(provider.grants().iter().all(|grant| grant.revoked));
    /// # }
    /// ```
    pub fn shared_handle(&self) -> MockProvider {
        self.view()
    }
}
