use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use reference_impl::{AccessToken, TokenSource, TokenSourceError};

use super::state::FakeGmail;

/// Hands out `ya29.fake-N`; after `FakeGmail::revoke` it reports needs-reauth.
#[derive(Debug, Clone)]
pub struct FakeTokens {
    gmail: FakeGmail,
    generation: Arc<AtomicU64>,
    pub forced_refreshes: Arc<AtomicU64>,
}

impl FakeTokens {
    pub fn new(gmail: &FakeGmail) -> Self {
        Self {
            gmail: gmail.clone(),
            generation: Arc::new(AtomicU64::new(1)),
            forced_refreshes: Arc::new(AtomicU64::new(0)),
        }
    }

    fn current(&self, account: &str) -> Result<AccessToken, TokenSourceError> {
        if self.gmail.lock().revoked {
            return Err(TokenSourceError::NeedsReauth {
                account: account.to_owned(),
            });
        }
        Ok(AccessToken::new(format!(
            "ya29.fake-{}",
            self.generation.load(Ordering::SeqCst)
        )))
    }
}

#[async_trait]
impl TokenSource for FakeTokens {
    async fn access_token(&self, account: &str) -> Result<AccessToken, TokenSourceError> {
        self.current(account)
    }

    async fn token_rejected(
        &self,
        account: &str,
        _rejected: &AccessToken,
    ) -> Result<AccessToken, TokenSourceError> {
        self.forced_refreshes.fetch_add(1, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.current(account)
    }
}
