//! Whose token a served answer was: a call answered with a token is a
//! served call only when the provider issued that token for the account
//! asked for. A made-up string, or another account's token, is no service
//! at all, however promptly it came back.

use crate::record::RunRecord;
use mock_provider::{Fingerprint, JournalEntry};
use std::collections::HashMap;

/// Who the provider issued each access token of a run for.
#[derive(Debug, Default)]
pub(super) struct TokenOwners<'r> {
    by_fingerprint: HashMap<&'r Fingerprint, &'r JournalEntry>,
}

/// What is wrong with a token served for an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NotTheAccountsToken<'r> {
    /// The provider never issued it.
    NeverIssued,
    /// The provider issued it for another account, by the journal entry.
    OtherAccount { owner: &'r str, seq: u64 },
}

impl<'r> TokenOwners<'r> {
    /// The owners of every token the run's journal shows issued.
    pub(super) fn of(run: &'r RunRecord) -> Self {
        let by_fingerprint = run
            .journal
            .iter()
            .filter_map(|e| e.issued.as_ref().map(|t| (&t.fingerprint, e)))
            .collect();
        Self { by_fingerprint }
    }

    /// Why `token` is not `account`'s to be served, if it is not. A token
    /// whose issuing request the provider could not tie to an account is
    /// given the benefit of the doubt.
    pub(super) fn judge(
        &self,
        token: &Fingerprint,
        account: &str,
    ) -> Option<NotTheAccountsToken<'r>> {
        let Some(entry) = self.by_fingerprint.get(token) else {
            return Some(NotTheAccountsToken::NeverIssued);
        };
        match entry.account.as_deref() {
            Some(owner) if owner != account => Some(NotTheAccountsToken::OtherAccount {
                owner,
                seq: entry.seq,
            }),
            _ => None,
        }
    }
}
