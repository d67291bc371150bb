//! The optional powers of a broker and of its host, one small trait each.
//!
//! A broker ([`BrokerUnderTest`](super::BrokerUnderTest)) answers
//! `access_token` and offers [`StatusFacet`], [`AuthorizationFacet`] and
//! [`MailFacet`] by returning `Some`; its host
//! ([`InstanceHost`](super::InstanceHost)) offers [`StoreFaults`] and
//! [`MailFaults`] the same way. [`Capabilities::of`](super::Capabilities::of)
//! reads them off, so a binding has exactly the capabilities it implements,
//! and a wrapper forwards a facet in one line
//! (`fn mail(&self) -> Option<&dyn MailFacet> { self.inner.mail() }`).

use super::{AccountReport, BrokerFailure, StoreFault};
use async_trait::async_trait;

/// Per-account state (capability `status`).
#[async_trait]
pub trait StatusFacet: Send + Sync {
    /// One report per account.
    async fn status(&self) -> Result<Vec<AccountReport>, BrokerFailure>;
}

/// The code flow (capability `authorization`).
#[async_trait]
pub trait AuthorizationFacet: Send + Sync {
    /// Starts consent for `account`: the URL to send the user's browser to.
    async fn begin_authorization(&self, account: &str) -> Result<String, BrokerFailure>;
    /// Finishes consent from the URL the provider redirected the browser
    /// to; returns the account.
    async fn complete_authorization(&self, callback_url: &str) -> Result<String, BrokerFailure>;
}

/// The mail side (capability `gmail`).
#[async_trait]
pub trait MailFacet: Send + Sync {
    /// Brings the stored copy of `account`'s mailbox up to date with Gmail
    /// and delivers what the outbox still holds for `account`.
    async fn sync(&self, account: &str) -> Result<(), BrokerFailure>;
    /// The Gmail message ids stored for `account`, one entry per stored row
    /// (a duplicate row shows up twice).
    async fn synced_ids(&self, account: &str) -> Result<Vec<String>, BrokerFailure>;
    /// Sends `raw` (RFC 822 bytes without a `Message-ID`) from `account`
    /// exactly once; `Ok` carries the `Message-ID` given to it and means
    /// Gmail acknowledged it.
    async fn send(&self, account: &str, raw: &[u8]) -> Result<String, BrokerFailure>;
}

/// Faults inside the mail side (capabilities `crash_points` and, with
/// [`commit_faults`](Self::commit_faults), `mail_hooks`).
#[async_trait]
pub trait MailFaults: Send + Sync {
    /// Whether [`fail_mail_commits`](Self::fail_mail_commits) works (a
    /// process's mailbox commits cannot be counted from outside).
    fn commit_faults(&self) -> bool {
        true
    }
    /// Syncs `account` but dies (as from `kill -9`) at the `at_point`-th
    /// crash point the sync reaches (0-based); `Ok(true)` when it died,
    /// `Ok(false)` when the sync finished first.
    async fn crash_sync(&self, account: &str, at_point: u32) -> Result<bool, BrokerFailure>;
    /// The mailbox store fails its next `count` commits.
    async fn fail_mail_commits(&self, count: u32) -> Result<(), BrokerFailure>;
}

/// Faults in the token store the harness provisioned (capability
/// `store_faults`).
#[async_trait]
pub trait StoreFaults: Send + Sync {
    /// Makes the store fail as `fault` says.
    async fn store_fault(&self, fault: StoreFault) -> Result<(), BrokerFailure>;

    /// Arms a kill -9 at the store's next write (`crash_at_store_write`):
    /// the trap resolves once the instance is dead there, and the caller
    /// restarts it. Stores whose writes cannot be seen refuse.
    async fn trap_next_write(&self) -> Result<super::WriteTrap, BrokerFailure> {
        Err(super::unsupported("store_faults"))
    }
}

/// Stands in for a facet an instance lacks: every call is refused as
/// `Unsupported`, naming the capability, as a step played against a broker
/// without it expects.
#[derive(Debug, Clone, Copy)]
struct Lacking;

#[async_trait]
impl StatusFacet for Lacking {
    async fn status(&self) -> Result<Vec<AccountReport>, BrokerFailure> {
        Err(super::unsupported("status"))
    }
}

#[async_trait]
impl AuthorizationFacet for Lacking {
    async fn begin_authorization(&self, _account: &str) -> Result<String, BrokerFailure> {
        Err(super::unsupported("authorization"))
    }

    async fn complete_authorization(&self, _callback_url: &str) -> Result<String, BrokerFailure> {
        Err(super::unsupported("authorization"))
    }
}

#[async_trait]
impl MailFacet for Lacking {
    async fn sync(&self, _account: &str) -> Result<(), BrokerFailure> {
        Err(super::unsupported("gmail"))
    }

    async fn synced_ids(&self, _account: &str) -> Result<Vec<String>, BrokerFailure> {
        Err(super::unsupported("gmail"))
    }

    async fn send(&self, _account: &str, _raw: &[u8]) -> Result<String, BrokerFailure> {
        Err(super::unsupported("gmail"))
    }
}

#[async_trait]
impl MailFaults for Lacking {
    async fn crash_sync(&self, _account: &str, _at_point: u32) -> Result<bool, BrokerFailure> {
        Err(super::unsupported("mail_hooks"))
    }

    async fn fail_mail_commits(&self, _count: u32) -> Result<(), BrokerFailure> {
        Err(super::unsupported("mail_hooks"))
    }
}

#[async_trait]
impl StoreFaults for Lacking {
    async fn store_fault(&self, _fault: StoreFault) -> Result<(), BrokerFailure> {
        Err(super::unsupported("store_faults"))
    }
}

/// Each facet of an instance, or a stand-in that refuses every call as
/// `Unsupported`: for the play loop, which skips a step whose capability
/// is missing but must still answer a call made anyway.
impl dyn super::BrokerInstance {
    /// [`BrokerUnderTest::status`](super::BrokerUnderTest::status), or a refusal.
    pub fn status_or_refusal(&self) -> &dyn StatusFacet {
        self.status().unwrap_or(&Lacking)
    }

    /// [`BrokerUnderTest::authorization`](super::BrokerUnderTest::authorization), or a refusal.
    pub fn authorization_or_refusal(&self) -> &dyn AuthorizationFacet {
        self.authorization().unwrap_or(&Lacking)
    }

    /// [`BrokerUnderTest::mail`](super::BrokerUnderTest::mail), or a refusal.
    pub fn mail_or_refusal(&self) -> &dyn MailFacet {
        self.mail().unwrap_or(&Lacking)
    }

    /// [`InstanceHost::mail_faults`](super::InstanceHost::mail_faults), or a refusal.
    pub fn mail_faults_or_refusal(&self) -> &dyn MailFaults {
        self.mail_faults().unwrap_or(&Lacking)
    }

    /// [`InstanceHost::store_faults`](super::InstanceHost::store_faults), or a refusal.
    pub fn store_faults_or_refusal(&self) -> &dyn StoreFaults {
        self.store_faults().unwrap_or(&Lacking)
    }
}
