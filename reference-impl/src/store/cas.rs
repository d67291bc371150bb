//! The versioned compare-and-swap rule, shared by the stores that decide it
//! themselves under their own lock or transaction (memory, file, SQLite;
//! PostgreSQL decides it in one `UPDATE`).

use super::{CasOutcome, StoreError, StoredGrant};

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
