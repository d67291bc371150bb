//! The versioned compare-and-swap rule, shared by the stores that decide it
//! themselves under their own lock or transaction (memory, file, SQLite;
//! PostgreSQL decides it in one `UPDATE`).

use super::{CasOutcome, StoreError, StoredGrant};
use crate::crypto::{Keyring, SealedGrant};

/// Decides a compare-and-swap of `account` given the version currently
/// stored. `Ok(Some(Conflict))` when `expected` is not the current version
/// (`open_current` supplies the grant to hand back), an error when
/// `proposed` would not increase it ("never overwrite newer with older"),
/// `Ok(None)` when the write may go ahead.
pub(super) fn decide(
    account: &str,
    expected: Option<u64>,
    current: Option<u64>,
    proposed: u64,
    open_current: impl FnOnce() -> Result<Option<StoredGrant>, StoreError>,
) -> Result<Option<CasOutcome>, StoreError> {
    if current != expected {
        return Ok(Some(CasOutcome::Conflict {
            current: open_current()?,
        }));
    }
    match current {
        Some(current) if proposed <= current => Err(StoreError::VersionNotIncreasing {
            account: account.to_owned(),
            current,
            proposed,
        }),
        _ => Ok(None),
    }
}

/// [`decide`] for the stores that keep sealed records (file, SQLite):
/// `current` is the stored (version, record); a conflict hands back the
/// record opened with `keyring`.
pub(super) fn decide_sealed(
    account: &str,
    expected: Option<u64>,
    current: Option<(u64, SealedGrant)>,
    proposed: u64,
    keyring: &Keyring,
) -> Result<Option<CasOutcome>, StoreError> {
    let current_version = current.as_ref().map(|(version, _)| *version);
    decide(account, expected, current_version, proposed, || {
        current
            .map(|(version, sealed)| keyring.open(account, version, &sealed))
            .transpose()
    })
}
