//! An append-only chain of objects under one prefix, the bucket store's
//! compare-and-swap primitive.
//!
//! Position `n + 1` of a chain can be created once, by one writer, with
//! [`PutMode::Create`] (S3's `If-None-Match: *`, a hard link on a local disk,
//! a locked map in memory), so the writer that claims the successor of the
//! head it read wins and every other writer of that round gets
//! [`Appended::Taken`]. Conditional *updates* (`PutMode::Update` with an
//! e-tag) would need one object per account, but object_store's local backend
//! refuses them; creates work on every backend, so the chain is the one
//! mechanism. Positions older than the one before the head are pruned after a
//! successful append.

use futures::TryStreamExt as _;
use object_store::path::Path;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload};

use super::StoreError;
use super::bucket_errors::object_error;

/// Positions are zero-padded so that names sort as numbers.
const POSITION_WIDTH: usize = 20;

/// How often a read retries when a concurrent prune removed the head it listed.
const READ_ATTEMPTS: usize = 4;

/// One chain (an account's grants, or its lease).
#[derive(Debug, Clone)]
pub(super) struct Chain {
    pub prefix: Path,
}

/// The newest object of a chain.
#[derive(Debug, Clone)]
pub(super) struct Head {
    pub position: u64,
    pub bytes: Vec<u8>,
    pub e_tag: Option<String>,
}

/// The result of [`Chain::append`].
#[derive(Debug)]
pub(super) enum Appended {
    /// Our object is the new head.
    Written,
    /// Another writer claimed the position first; nothing was written.
    Taken,
}

impl Chain {
    fn at(&self, position: u64) -> Path {
        self.prefix
            .child(format!("{position:0width$}", width = POSITION_WIDTH))
    }

    async fn positions(&self, store: &dyn ObjectStore) -> Result<Vec<u64>, StoreError> {
        let listed: Vec<_> = store
            .list(Some(&self.prefix))
            .try_collect()
            .await
            .map_err(object_error)?;
        let mut positions: Vec<u64> = listed
            .iter()
            .filter_map(|meta| meta.location.filename()?.parse().ok())
            .collect();
        positions.sort_unstable();
        Ok(positions)
    }

    /// The head, or `None` for an empty chain.
    pub async fn head(&self, store: &dyn ObjectStore) -> Result<Option<Head>, StoreError> {
        for _ in 0..READ_ATTEMPTS {
            let Some(&position) = self.positions(store).await?.last() else {
                return Ok(None);
            };
            match store.get(&self.at(position)).await {
                Ok(got) => {
                    let e_tag = got.meta.e_tag.clone();
                    let bytes = got.bytes().await.map_err(object_error)?;
                    return Ok(Some(Head {
                        position,
                        bytes: bytes.to_vec(),
                        e_tag,
                    }));
                }
                // Pruned between the listing and the read: a newer head exists.
                Err(object_store::Error::NotFound { .. }) => {}
                Err(error) => return Err(object_error(error)),
            }
        }
        Err(StoreError::Unavailable { source: None })
    }

    /// Creates `position` holding `bytes` unless it exists.
    ///
    /// When the answer is lost (an error after the server may have written it,
    /// or object_store's own retry finding its first attempt's object), the
    /// position is read back: holding exactly our bytes means our write landed.
    pub async fn append(
        &self,
        store: &dyn ObjectStore,
        position: u64,
        bytes: Vec<u8>,
    ) -> Result<Appended, StoreError> {
        let path = self.at(position);
        let options = PutOptions {
            mode: PutMode::Create,
            ..PutOptions::default()
        };
        let put = store
            .put_opts(&path, PutPayload::from(bytes.clone()), options)
            .await;
        let uncertain = match put {
            Ok(_) => return Ok(Appended::Written),
            Err(
                object_store::Error::AlreadyExists { .. }
                | object_store::Error::Precondition { .. },
            ) => None,
            Err(error) => Some(object_error(error)),
        };
        match store.get(&path).await {
            Ok(got) => {
                let stored = got.bytes().await.map_err(object_error)?;
                if stored.as_ref() == bytes.as_slice() {
                    tracing::info!(%path, "bucket write acknowledged by reading it back");
                    Ok(Appended::Written)
                } else {
                    Ok(Appended::Taken)
                }
            }
            Err(object_store::Error::NotFound { .. }) => match uncertain {
                Some(error) => Err(error),
                // It existed a moment ago and was pruned: someone else's.
                None => Ok(Appended::Taken),
            },
            Err(read_error) => Err(uncertain.unwrap_or_else(|| object_error(read_error))),
        }
    }

    /// Removes positions below `keep_from` (best effort: a failure leaves
    /// garbage, never a wrong head).
    pub async fn prune(&self, store: &dyn ObjectStore, keep_from: u64) {
        let Ok(positions) = self.positions(store).await else {
            return;
        };
        for position in positions.into_iter().filter(|&p| p < keep_from) {
            if let Err(error) = store.delete(&self.at(position)).await {
                tracing::debug!(%error, "could not prune an old bucket object");
            }
        }
    }
}
