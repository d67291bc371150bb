//! How much the journal and the secret registry keep.

use std::fmt;
use std::num::NonZeroUsize;

/// How many records a store of the provider keeps: the newest `n`, or all.
///
/// The [`Journal`](crate::Journal) and the
/// [`SecretRegistry`](crate::SecretRegistry) of a long-running provider
/// (the standalone binary under load) would otherwise grow without end. A
/// bounded store drops its oldest records and counts them (`dropped()`);
/// the harness, which must see every request of a run, asks for
/// [`Capacity::Unbounded`].
///
/// ```
/// use mock_provider::{Capacity, MockProvider};
/// use std::num::NonZeroUsize;
///
/// let provider = MockProvider::builder()
///     .journal_capacity(Capacity::Bounded(NonZeroUsize::new(1_000).unwrap()))
///     .secret_capacity(Capacity::Unbounded)
///     .build();
/// assert_eq!(provider.journal().capacity(), Capacity::Bounded(NonZeroUsize::new(1_000).unwrap()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capacity {
    /// Keep the newest `n` records; older ones are dropped and counted.
    Bounded(NonZeroUsize),
    /// Keep everything (memory grows with the run).
    Unbounded,
}

impl Capacity {
    /// The journal's default: the newest 100,000 entries (about 60 MB).
    pub const DEFAULT_JOURNAL: Self = Self::Bounded(NonZeroUsize::new(100_000).unwrap());
    /// The secret registry's default: the newest 100,000 issued secrets
    /// (configured client secrets are always kept).
    pub const DEFAULT_SECRETS: Self = Self::Bounded(NonZeroUsize::new(100_000).unwrap());

    /// The bound, `None` when unbounded.
    pub fn limit(self) -> Option<usize> {
        match self {
            Self::Bounded(n) => Some(n.get()),
            Self::Unbounded => None,
        }
    }
}

impl fmt::Display for Capacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bounded(n) => write!(f, "{n}"),
            Self::Unbounded => f.write_str("unbounded"),
        }
    }
}

/// In a config file: a positive number of records, or `"unbounded"`.
impl<'de> serde::Deserialize<'de> for Capacity {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Capacity;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a positive number of records or \"unbounded\"")
            }

            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Capacity, E> {
                usize::try_from(n)
                    .ok()
                    .and_then(NonZeroUsize::new)
                    .map(Capacity::Bounded)
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Signed(n), &self))
            }

            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Capacity, E> {
                usize::try_from(n)
                    .ok()
                    .and_then(NonZeroUsize::new)
                    .map(Capacity::Bounded)
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Unsigned(n), &self))
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Capacity, E> {
                if text == "unbounded" {
                    Ok(Capacity::Unbounded)
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(text), &self))
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}
