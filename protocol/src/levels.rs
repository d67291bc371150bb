//! The conformance levels: which methods a broker answers for what the
//! harness can then judge (docs/PROTOCOL.md, "Conformance levels").

use crate::{Capability, Method};

/// One row of the conformance table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConformanceLevel {
    /// `1` to `5`; `4, optional` for `gmail_request`.
    pub level: &'static str,
    /// The methods this level adds.
    pub methods: &'static [Method],
    /// The capability a broker declares for them (`None`: none needed).
    pub capability: Option<Capability>,
}

/// Every level, lowest first.
///
/// ```
/// use oauth_chaos_protocol::{LEVELS, Method};
/// let every_method: Vec<Method> = LEVELS.iter().flat_map(|level| level.methods).copied().collect();
/// assert!(Method::ALL.iter().all(|method| every_method.contains(method)));
/// ```
pub const LEVELS: [ConformanceLevel; 7] = [
    ConformanceLevel {
        level: "1",
        methods: &[Method::Initialize, Method::AccessToken, Method::Shutdown],
        capability: Some(Capability::AccessToken),
    },
    ConformanceLevel {
        level: "2",
        methods: &[Method::Status],
        capability: Some(Capability::Status),
    },
    ConformanceLevel {
        level: "3",
        methods: &[Method::BeginAuthorization, Method::CompleteAuthorization],
        capability: Some(Capability::Authorization),
    },
    ConformanceLevel {
        level: "4",
        methods: &[Method::Sync, Method::SyncedIds, Method::Send],
        capability: Some(Capability::Gmail),
    },
    ConformanceLevel {
        level: "4, optional",
        methods: &[Method::GmailRequest],
        capability: Some(Capability::Gmail),
    },
    ConformanceLevel {
        level: "5",
        methods: &[Method::SignInBegin, Method::SignInComplete],
        capability: Some(Capability::SignIn),
    },
    ConformanceLevel {
        level: "5",
        methods: &[Method::ServiceAccountToken],
        capability: Some(Capability::ServiceAccounts),
    },
];

impl ConformanceLevel {
    /// The level that introduces `method`.
    ///
    /// ```
    /// use oauth_chaos_protocol::{Capability, ConformanceLevel, Method};
    /// let level = ConformanceLevel::of(Method::Send);
    /// assert_eq!((level.level, level.capability), ("4", Some(Capability::Gmail)));
    /// ```
    pub fn of(method: Method) -> ConformanceLevel {
        LEVELS
            .into_iter()
            .find(|level| level.methods.contains(&method))
            .unwrap_or(LEVELS[0])
    }
}
